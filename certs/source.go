package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrNoCertificate means no valid serving certificate is loaded yet.
var ErrNoCertificate = errors.New("no serving certificate loaded yet")

// Source provides the serving certificate.
type Source interface {
	// GetCertificate is tls.Config.GetCertificate.
	GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// Start keeps the certificate current until ctx is done.
	Start(ctx context.Context) error
	// Ready is nil once a valid certificate is served.
	Ready() error
}

// holder keeps the certificate being served.
type holder struct {
	cert atomic.Pointer[tls.Certificate]
}

func (h *holder) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c := h.cert.Load()
	if c == nil {
		return nil, ErrNoCertificate
	}
	return c, nil
}

func (h *holder) Ready() error {
	c := h.cert.Load()
	if c == nil {
		return ErrNoCertificate
	}
	if time.Now().After(c.Leaf.NotAfter) {
		return fmt.Errorf("serving certificate expired at %s", c.Leaf.NotAfter.Format(time.RFC3339))
	}
	return nil
}

// set parses and serves a PEM certificate and key.
func (h *holder) set(certPEM, keyPEM []byte) error {
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("parsing serving certificate: %w", err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return fmt.Errorf("parsing serving certificate: %w", err)
		}
	}
	h.cert.Store(&c)
	return nil
}

// Serial returns the serial number of the certificate being served, "" when
// none (for logs and tests).
func (h *holder) Serial() string {
	if c := h.cert.Load(); c != nil {
		return c.Leaf.SerialNumber.String()
	}
	return ""
}
