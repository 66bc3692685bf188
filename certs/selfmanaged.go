package certs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// Secret keys. ca.crt is the bundle the API server trusts: the current CA
// first, then earlier CAs until they expire, so certificates they signed
// stay trusted while replicas move to the new CA.
const (
	keyCert     = "tls.crt"
	keyKey      = "tls.key"
	keyCABundle = "ca.crt"
	keyCAKey    = "ca.key"
)

// SelfManaged generates, stores, injects and rotates certificates.
type SelfManaged struct {
	holder
	Client kubernetes.Interface
	// Namespace and SecretName locate the one Secret all replicas share.
	Namespace, SecretName string
	// DNSNames and IPs go into the serving certificate.
	DNSNames []string
	IPs      []net.IP
	// ValidatingWebhooks and MutatingWebhooks name the configurations whose
	// caBundle this source keeps.
	ValidatingWebhooks, MutatingWebhooks []string
	// CAValidity defaults to 10 years; Validity (serving) to 1 year. Both
	// are renewed with a third of their lifetime left.
	CAValidity, Validity time.Duration
	// Interval between checks. Default 1 minute.
	Interval time.Duration
	Log      logr.Logger
	// Now defaults to time.Now.
	Now func() time.Time

	injected atomic.Bool
}

var _ Source = (*SelfManaged)(nil)

func (s *SelfManaged) defaults() {
	if s.CAValidity == 0 {
		s.CAValidity = 10 * 365 * 24 * time.Hour
	}
	if s.Validity == 0 {
		s.Validity = 365 * 24 * time.Hour
	}
	if s.Interval == 0 {
		s.Interval = time.Minute
	}
	if s.Now == nil {
		s.Now = time.Now
	}
}

// Ready is nil once a certificate is served and its CA is injected.
func (s *SelfManaged) Ready() error {
	if err := s.holder.Ready(); err != nil {
		return err
	}
	if !s.injected.Load() {
		return errors.New("CA bundle not yet injected into the webhook configurations")
	}
	return nil
}

// Start ensures the certificates now and every Interval until ctx is done.
func (s *SelfManaged) Start(ctx context.Context) error {
	s.defaults()
	wait.NonSlidingUntilWithContext(ctx, func(ctx context.Context) {
		if err := s.Ensure(ctx); err != nil {
			s.Log.Error(err, "keeping the serving certificate failed; retrying", "secret", s.Namespace+"/"+s.SecretName)
		}
	}, s.Interval)
	return nil
}

// Ensure converges the Secret, the served certificate and the injected CA
// bundle. Several replicas may run it at once: the Secret is created or
// updated with optimistic concurrency, and the loser adopts the winner's.
func (s *SelfManaged) Ensure(ctx context.Context) error {
	s.defaults()
	// Two passes: a CA rotation first publishes the new CA in the bundle,
	// and only after that is injected is a certificate signed by it served.
	for range 2 {
		sec, rotatedCA, err := s.converge(ctx)
		if err != nil {
			return err
		}
		if err := s.inject(ctx, sec.Data[keyCABundle]); err != nil {
			return err
		}
		if err := s.set(sec.Data[keyCert], sec.Data[keyKey]); err != nil {
			return err
		}
		if !rotatedCA {
			return nil
		}
	}
	return nil
}

// converge reads the Secret and writes what it should hold. Losing a race
// with another replica (a conflict on update, an existing Secret on create)
// is retried at once, up to ten times: the winner's content is then adopted.
func (s *SelfManaged) converge(ctx context.Context) (*corev1.Secret, bool, error) {
	var sec *corev1.Secret
	var rotatedCA bool
	lostRace := func(err error) bool { return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) }
	err := retry.OnError(wait.Backoff{Steps: 10}, lostRace, func() error {
		var err error
		sec, rotatedCA, err = s.convergeOnce(ctx)
		return err
	})
	if lostRace(err) {
		return nil, false, fmt.Errorf("secret %s/%s kept changing under us; giving up until the next check: %w", s.Namespace, s.SecretName, err)
	}
	return sec, rotatedCA, err
}

// convergeOnce is one read and, where needed, one write of the Secret. A
// lost race is returned as the API server's error, for converge to retry.
func (s *SelfManaged) convergeOnce(ctx context.Context) (*corev1.Secret, bool, error) {
	secrets := s.Client.CoreV1().Secrets(s.Namespace)
	sec, err := secrets.Get(ctx, s.SecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		sec = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: s.SecretName, Namespace: s.Namespace,
				Labels: map[string]string{"app.kubernetes.io/managed-by": "gpuguard"}},
			Type: corev1.SecretTypeTLS,
		}
		if _, _, err := s.plan(sec); err != nil {
			return nil, false, err
		}
		created, err := secrets.Create(ctx, sec, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil, false, err // another replica was first: adopt its Secret
		}
		if err != nil {
			return nil, false, fmt.Errorf("creating Secret %s/%s: %w", s.Namespace, s.SecretName, err)
		}
		s.Log.Info("created serving certificate", "secret", s.Namespace+"/"+s.SecretName)
		return created, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading Secret %s/%s: %w", s.Namespace, s.SecretName, err)
	}
	changed, rotatedCA, err := s.plan(sec)
	if err != nil {
		return nil, false, err
	}
	if !changed {
		return sec, false, nil
	}
	updated, err := secrets.Update(ctx, sec, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return nil, false, err // another replica rotated first: adopt its result
	}
	if err != nil {
		return nil, false, fmt.Errorf("updating Secret %s/%s: %w", s.Namespace, s.SecretName, err)
	}
	s.Log.Info("rotated serving certificate", "secret", s.Namespace+"/"+s.SecretName, "newCA", rotatedCA)
	return updated, rotatedCA, nil
}

// plan changes sec's data to what it should hold and reports whether it
// changed and whether the CA was rotated.
func (s *SelfManaged) plan(sec *corev1.Secret) (changed, rotatedCA bool, err error) {
	now := s.Now()
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	bundle := parseCerts(sec.Data[keyCABundle])
	// Earlier CAs that still sign something valid stay: the overlap.
	live := pruneExpired(bundle, now)
	var ca *keyPair
	if len(bundle) > 0 {
		ca, _ = parseKeyPair(sec.Data[keyCABundle], sec.Data[keyCAKey])
	}
	if ca == nil || dueForRenewal(ca.cert, now) {
		if ca, err = newCA("gpuguard-webhook-ca", now, s.CAValidity); err != nil {
			return false, false, err
		}
		sec.Data[keyCABundle] = bytes.Join(append([][]byte{ca.certPEM}, live...), nil)
		sec.Data[keyCAKey] = ca.keyPEM
		changed, rotatedCA = true, true
	} else if len(live) != len(bundle) {
		sec.Data[keyCABundle] = bytes.Join(live, nil)
		changed = true
	}
	leaf, _ := parseKeyPair(sec.Data[keyCert], sec.Data[keyKey])
	stillTrusted := leaf != nil && !dueForRenewal(leaf.cert, now) && s.namesMatch(leaf) &&
		trustedBy(leaf, parseCerts(sec.Data[keyCABundle]))
	// After a CA rotation the old leaf stays (its CA is still in the
	// bundle) until the bundle with the new CA is injected.
	needsNew := !stillTrusted || (!rotatedCA && leaf.cert.CheckSignatureFrom(ca.cert) != nil)
	if needsNew {
		if leaf, err = newServing(ca, s.DNSNames, s.IPs, now, s.Validity); err != nil {
			return false, false, err
		}
		sec.Data[keyCert], sec.Data[keyKey] = leaf.certPEM, leaf.keyPEM
		changed = true
	}
	return changed, rotatedCA, nil
}

func (s *SelfManaged) namesMatch(leaf *keyPair) bool {
	if !slices.Equal(leaf.cert.DNSNames, s.DNSNames) || len(leaf.cert.IPAddresses) != len(s.IPs) {
		return false
	}
	for i, ip := range s.IPs {
		if !ip.Equal(leaf.cert.IPAddresses[i]) {
			return false
		}
	}
	return true
}

// inject writes the CA bundle into every webhook of the named
// configurations that does not carry it yet.
func (s *SelfManaged) inject(ctx context.Context, bundle []byte) error {
	api := s.Client.AdmissionregistrationV1()
	if err := injectInto(ctx, s.ValidatingWebhooks, bundle, api.ValidatingWebhookConfigurations()); err != nil {
		return err
	}
	if err := injectInto(ctx, s.MutatingWebhooks, bundle, api.MutatingWebhookConfigurations()); err != nil {
		return err
	}
	s.injected.Store(true)
	return nil
}

// configClient is what inject needs of the typed client of one kind of
// webhook configuration.
type configClient[T runtime.Object] interface {
	Get(ctx context.Context, name string, o metav1.GetOptions) (T, error)
	Update(ctx context.Context, c T, o metav1.UpdateOptions) (T, error)
}

// injectInto sets caBundle on every client config of the named
// configurations, writing only when one differs, retrying on conflicts.
func injectInto[T runtime.Object](ctx context.Context, names []string, bundle []byte, c configClient[T]) error {
	for _, name := range names {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			obj, err := c.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			changed := false
			for _, cc := range WebhookClientConfigs(obj) {
				if !bytes.Equal(cc.CABundle, bundle) {
					cc.CABundle, changed = bundle, true
				}
			}
			if !changed {
				return nil
			}
			_, err = c.Update(ctx, obj, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("injecting the CA bundle into %s %s: %w", reflect.TypeFor[T]().Elem().Name(), name, err)
		}
	}
	return nil
}

// WebhookClientConfigs returns the client config of every webhook of a
// Validating- or MutatingWebhookConfiguration, to be changed in place; nil
// for any other object.
func WebhookClientConfigs(obj runtime.Object) []*admissionregistrationv1.WebhookClientConfig {
	var out []*admissionregistrationv1.WebhookClientConfig
	switch c := obj.(type) {
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		for i := range c.Webhooks {
			out = append(out, &c.Webhooks[i].ClientConfig)
		}
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		for i := range c.Webhooks {
			out = append(out, &c.Webhooks[i].ClientConfig)
		}
	}
	return out
}
