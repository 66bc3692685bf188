package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// ProxyMode is what a Proxy does with the API server's connections.
type ProxyMode string

// The modes of a Proxy: the three ways a webhook looks from the API server.
const (
	// ProxyUp forwards every connection to the backend.
	ProxyUp ProxyMode = "up"
	// ProxyDown refuses connections: a webhook that is gone.
	ProxyDown ProxyMode = "down"
	// ProxyFrozen accepts connections and never answers: a webhook that
	// hangs, until the API server's timeoutSeconds gives up on it.
	ProxyFrozen ProxyMode = "frozen"
)

// Proxy is a loopback TCP proxy the webhook configurations point at instead
// of the webhook server (StackOptions.Proxy), so that a test can take the
// webhook away as the API server sees it while the server itself keeps
// running. It forwards bytes, TLS included, and never reads them; the
// server's certificate names 127.0.0.1, which the proxy listens on too.
type Proxy struct {
	addr string

	mu      sync.Mutex
	mode    ProxyMode
	backend string
	ln      net.Listener // nil while down
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// StartProxy listens on a loopback port chosen by the OS, up, with no
// backend yet (connections are closed until SetBackend).
func StartProxy() (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the webhook proxy: %w", err)
	}
	p := &Proxy{addr: ln.Addr().String(), mode: ProxyUp, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept(ln)
	return p, nil
}

// Addr is where the proxy listens (127.0.0.1:<port>), also while down.
func (p *Proxy) Addr() string { return p.addr }

// SetBackend sends new connections to addr.
func (p *Proxy) SetBackend(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.backend = addr
}

// SetMode switches the proxy to m. Every open connection is cut, so that
// none opened before (the API server keeps them alive between calls)
// carries on in the old mode.
func (p *Proxy) SetMode(m ProxyMode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("the webhook proxy is closed")
	}
	p.cutLocked()
	switch {
	case m == ProxyDown && p.ln != nil:
		err := p.ln.Close()
		p.ln = nil
		if err != nil {
			return fmt.Errorf("closing the webhook proxy's listener: %w", err)
		}
	case m != ProxyDown && p.ln == nil:
		// The same port again: the configurations name it.
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("listening on %s again: %w", p.addr, err)
		}
		p.ln = ln
		p.wg.Add(1)
		go p.accept(ln)
	}
	p.mode = m
	return nil
}

// Close stops listening, cuts every connection and waits for the proxy's
// goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	var err error
	if p.ln != nil {
		err = p.ln.Close()
		p.ln = nil
	}
	p.cutLocked()
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) cutLocked() {
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

func (p *Proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed by SetMode or Close
		}
		p.mu.Lock()
		mode, backend, closed := p.mode, p.backend, p.closed
		if closed || mode == ProxyDown {
			// Accepted just before the listener closed.
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		if mode == ProxyUp {
			p.wg.Add(1)
			go p.forward(c, backend)
		}
		// Frozen: held open, unread, until the next SetMode or Close.
	}
}

// forward pipes c to a new connection to backend until either side ends.
func (p *Proxy) forward(c net.Conn, backend string) {
	defer p.wg.Done()
	defer p.drop(c)
	if backend == "" {
		return
	}
	b, err := net.DialTimeout("tcp", backend, 5*time.Second)
	if err != nil {
		return // the server is stopped: the API server sees the connection close
	}
	if !p.track(b) {
		return
	}
	defer p.drop(b)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(b, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, b); done <- struct{}{} }()
	<-done
	// Closing both ends the other copy too.
	_ = c.Close()
	_ = b.Close()
	<-done
}

// track registers a backend connection, so that SetMode and Close cut it;
// false (and b closed) once the proxy is closed. A client connection cut
// during the dial ends the copy at once.
func (p *Proxy) track(b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = b.Close()
		return false
	}
	p.conns[b] = struct{}{}
	return true
}

func (p *Proxy) drop(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}
