package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

// keyPair is a certificate and its key, parsed and PEM-encoded.
type keyPair struct {
	cert    *x509.Certificate
	certPEM []byte
	keyPEM  []byte
	key     *ecdsa.PrivateKey
}

// clockSkew backdates certificates so that a peer whose clock runs a little
// behind still accepts a certificate issued this second.
const clockSkew = 5 * time.Minute

func newCA(name string, now time.Time, validity time.Duration) (*keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	return issue(tmpl, nil)
}

func newServing(ca *keyPair, dnsNames []string, ips []net.IP, now time.Time, validity time.Duration) (*keyPair, error) {
	if len(dnsNames) == 0 && len(ips) == 0 {
		return nil, errors.New("a serving certificate needs at least one DNS name or IP address")
	}
	cn := "gpuguard-webhook"
	if len(dnsNames) > 0 {
		cn = dnsNames[0]
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		DNSNames:    dnsNames,
		IPAddresses: ips,
		NotBefore:   now.Add(-clockSkew),
		NotAfter:    earliest(now.Add(validity), ca.cert.NotAfter),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	return issue(tmpl, ca)
}

func issue(tmpl *x509.Certificate, ca *keyPair) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generating serial: %w", err)
	}
	tmpl.SerialNumber = serial
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key, certPEM: encode(cert), keyPEM: keyPEM}, nil
}

// parseKeyPair reads a PEM certificate (the first of a bundle) and its EC
// key.
func parseKeyPair(certPEM, keyPEM []byte) (*keyPair, error) {
	certs, err := certutil.ParseCertsPEM(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := keyutil.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("want an EC private key, not %T", key)
	}
	return &keyPair{cert: certs[0], key: ec, certPEM: encode(certs[0]), keyPEM: keyPEM}, nil
}

// parseCerts reads the certificates of a PEM bundle; what does not parse
// counts as no certificate, so that a damaged bundle is rebuilt.
func parseCerts(bundle []byte) []*x509.Certificate {
	certs, _ := certutil.ParseCertsPEM(bundle)
	return certs
}

// dueForRenewal is true once less than a third of the lifetime is left, the
// rule cert-manager uses by default: time enough to retry for days. The
// lifetime counts from issue, not from the backdated NotBefore.
func dueForRenewal(c *x509.Certificate, now time.Time) bool {
	life := c.NotAfter.Sub(c.NotBefore.Add(clockSkew))
	return now.After(c.NotAfter.Add(-life / 3))
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// encode returns a certificate as one PEM block.
func encode(c *x509.Certificate) []byte {
	// EncodeCertificates fails only on a PEM write error, which writing
	// to memory never has.
	data, _ := certutil.EncodeCertificates(c)
	return data
}

// pruneExpired returns the certificates still valid at now, PEM-encoded.
func pruneExpired(cs []*x509.Certificate, now time.Time) [][]byte {
	var out [][]byte
	for _, c := range cs {
		if now.Before(c.NotAfter) {
			out = append(out, encode(c))
		}
	}
	return out
}

func trustedBy(leaf *keyPair, cas []*x509.Certificate) bool {
	for _, ca := range cas {
		if leaf.cert.CheckSignatureFrom(ca) == nil {
			return true
		}
	}
	return false
}
