package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/wait"
)

// hangGuard bounds waits in these tests; it is never what a test checks.
const hangGuard = time.Minute

// testServer runs a hookServer on a loopback port with httptest's
// certificate and returns a client that trusts it.
type testServer struct {
	s      *hookServer
	addr   string
	client *http.Client
	cancel context.CancelFunc
	done   chan error
}

func startServer(t *testing.T, limits Limits, handler http.Handler) *testServer {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert, client := ts.TLS.Certificates[0], ts.Client()
	ts.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	cfg := Config{Host: "127.0.0.1", Port: port, ShutdownTimeout: hangGuard, Limits: limits, Log: logr.Discard()}
	cfg.Limits.applyDefaults()
	s := newHookServer(cfg, []func(*tls.Config){tlsHardening, func(c *tls.Config) { c.Certificates = []tls.Certificate{cert} }})
	s.Register("/review", handler)
	ctx, cancel := context.WithCancel(context.Background())
	out := &testServer{s: s, addr: fmt.Sprintf("127.0.0.1:%d", port), client: client, cancel: cancel, done: make(chan error, 1)}
	go func() { out.done <- s.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-out.done)
	})
	require.NoError(t, wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, hangGuard, true, func(context.Context) (bool, error) {
		c, err := tls.Dial("tcp", out.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // readiness probe of a test server
		if err != nil {
			return false, nil //nolint:nilerr // not listening yet
		}
		return true, c.Close()
	}))
	return out
}

func (ts *testServer) post(body string) (*http.Response, error) {
	return ts.client.Post("https://"+ts.addr+"/review", "application/json", strings.NewReader(body))
}

// A client that sends its body slowly is cut off at the read deadline
// instead of holding the connection for ever (issue 11: 1 byte per 10 s).
func TestSlowBodyIsCut(t *testing.T) {
	ts := startServer(t, Limits{ReadTimeout: 300 * time.Millisecond, DrainDelay: -1}, allowAll(logr.Discard()))
	conn, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // test server
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /review HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(hangGuard)))
	// The server gives up on the body and closes the connection: the read
	// ends (EOF or reset) without an answer, long before the hang guard.
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		defer resp.Body.Close()
	}
	require.Error(t, err, "no answer to a body that never arrives")
	var ne net.Error
	if errors.As(err, &ne) {
		assert.False(t, ne.Timeout(), "the server closed the connection; the test's guard did not fire")
	}
}

// Past MaxConnections, a new connection waits until one closes (issue 11:
// thousands of idle connections were held).
func TestConnectionCap(t *testing.T) {
	ts := startServer(t, Limits{MaxConnections: 2, ReadTimeout: hangGuard, DrainDelay: -1}, allowAll(logr.Discard()))
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ts.addr)
		require.NoError(t, err)
		held = append(held, c)
	}
	third := make(chan error, 1)
	go func() {
		c, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // test server
		if err == nil {
			err = c.Close()
		}
		third <- err
	}()
	select {
	case err := <-third:
		t.Fatalf("a third connection was served while two were held (err %v)", err)
	case <-time.After(300 * time.Millisecond):
		// Still waiting, as it must while the cap is reached.
	}
	require.NoError(t, held[0].Close())
	select {
	case err := <-third:
		require.NoError(t, err, "served once a slot is free")
	case <-time.After(hangGuard):
		t.Fatal("the third connection was never served")
	}
	require.NoError(t, held[1].Close())
}

// On stop the server reports not ready at once, finishes the review in
// flight, and only then returns.
func TestDrainFinishesInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		allowAll(logr.Discard()).ServeHTTP(w, r)
	})
	ts := startServer(t, Limits{DrainDelay: 50 * time.Millisecond}, slow)
	require.NoError(t, ts.s.StartedChecker()(nil), "ready while serving")
	got := make(chan error, 1)
	go func() {
		resp, err := ts.post(review)
		if err == nil {
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		got <- err
	}()
	<-entered
	ts.cancel()
	require.NoError(t, wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, hangGuard, true, func(context.Context) (bool, error) {
		return ts.s.StartedChecker()(nil) != nil, nil
	}), "not ready once stopping")
	select {
	case err := <-ts.done:
		t.Fatalf("the server returned with a review in flight: %v", err)
	default:
	}
	close(release)
	require.NoError(t, <-got, "the review in flight is answered")
	require.NoError(t, <-ts.done)
	ts.done <- nil // for the cleanup
}
