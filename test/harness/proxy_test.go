package harness

import (
	"bufio"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echo serves lines back on a loopback port until the test ends.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends a line on c and reads the answer.
func roundTrip(c net.Conn, line string) (string, error) {
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestProxyModes(t *testing.T) {
	p, err := StartProxy()
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Close()) }()
	p.SetBackend(echo(t))

	kept := dial(t, p)
	got, err := roundTrip(kept, "up")
	require.NoError(t, err)
	assert.Equal(t, "up\n", got)

	require.NoError(t, p.SetMode(ProxyDown))
	_, err = roundTrip(kept, "after the switch")
	assert.Error(t, err, "a connection opened while up is cut")
	_, err = net.Dial("tcp", p.Addr())
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "down refuses connections")

	require.NoError(t, p.SetMode(ProxyFrozen))
	frozen := dial(t, p)
	require.NoError(t, frozen.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = roundTrip(frozen, "frozen")
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "frozen accepts and never answers")

	require.NoError(t, p.SetMode(ProxyUp))
	got, err = roundTrip(dial(t, p), "up again")
	require.NoError(t, err)
	assert.Equal(t, "up again\n", got, "up again on the same address")
}
