package harness

// Kill stops the server and leaves its configurations registered: a webhook
// outage as the API server sees it (every call fails to connect). Stop may
// follow.
func (w *Webhook) Kill() error {
	w.cancel()
	w.exitOnce.Do(func() { w.exit = <-w.done })
	return w.exit
}
