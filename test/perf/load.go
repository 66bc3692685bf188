package perf

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// Sample is what one load round measured against one target.
type Sample struct {
	Latencies []time.Duration
	Elapsed   time.Duration
}

// Add appends another round.
func (s *Sample) Add(o Sample) {
	s.Latencies = append(s.Latencies, o.Latencies...)
	s.Elapsed += o.Elapsed
}

// Rate is requests per second over all rounds.
func (s Sample) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(len(s.Latencies)) / s.Elapsed.Seconds()
}

// Clients are keep-alive HTTPS clients, one connection each, reused across
// rounds so that a round measures reviews, not TLS handshakes.
type Clients []*http.Client

// NewClients returns n clients of one connection each. The servers under
// test listen on loopback with a certificate of their own making, so the
// clients do not verify it; the handshake happens once per connection.
func NewClients(n int) Clients {
	out := make(Clients, n)
	for i := range out {
		out[i] = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // loopback benchmark, see above
			MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, ForceAttemptHTTP2: false,
		}}
	}
	return out
}

// Post sends n review bodies to url, spread over the clients, and returns
// each one's latency. Any answer but HTTP 200 is an error.
func (cs Clients) Post(ctx context.Context, url string, body []byte, n int) (Sample, error) {
	return Drive(ctx, n, len(cs), func(ctx context.Context, worker, _ int) error {
		return post(ctx, cs[worker], url, body)
	})
}

// Drive calls op n times (i from 0 to n-1) from workers goroutines and
// returns each call's latency. A worker stops at its first error; the first
// error, by worker, is returned with the sample.
func Drive(ctx context.Context, n, workers int, op func(ctx context.Context, worker, i int) error) (Sample, error) {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				if err := op(ctx, w, i); err != nil {
					errs[w] = err
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	s := Sample{Latencies: lat, Elapsed: time.Since(start)}
	for _, err := range errs {
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

func post(ctx context.Context, c *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: HTTP %d: %s", url, resp.StatusCode, b)
	}
	return nil
}

// Answer posts one review body and decodes the AdmissionReview answer.
func Answer(ctx context.Context, c *http.Client, url string, body []byte) (*admissionv1.AdmissionResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil {
		return nil, fmt.Errorf("POST %s: HTTP %d, not an AdmissionReview answer: %w", url, resp.StatusCode, err)
	}
	if review.Response == nil {
		return nil, fmt.Errorf("POST %s: HTTP %d, an AdmissionReview without a response", url, resp.StatusCode)
	}
	return review.Response, nil
}

// Close closes the clients' idle connections.
func (cs Clients) Close() {
	for _, c := range cs {
		c.CloseIdleConnections()
	}
}
