package server

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/node"
)

// migConfigTTL bounds how stale the MIG manager's config may be: edits of it
// are rare and a mig.config label waits for the MIG manager anyway.
const migConfigTTL = 10 * time.Second

// migConfigLoader reads the MIG manager's config file named by the policy,
// from a mounted path or a ConfigMap, caching it for migConfigTTL.
type migConfigLoader struct {
	reader client.Reader

	mu      sync.Mutex
	key     config.MIGConfigSource
	loaded  time.Time
	configs *node.MIGConfigFile
}

func (l *migConfigLoader) load(ctx context.Context, p *config.Policy) (node.MIGConfigs, error) {
	if p.MIGConfig == nil {
		return nil, nil
	}
	src := *p.MIGConfig
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.configs != nil && sameSource(l.key, src) && time.Since(l.loaded) < migConfigTTL {
		return l.configs, nil
	}
	data, name, err := l.read(ctx, src)
	if err != nil {
		return nil, err
	}
	f, err := node.ParseMIGConfigFile(name, data)
	if err != nil {
		return nil, err
	}
	l.key, l.loaded, l.configs = src, time.Now(), f
	return f, nil
}

func (l *migConfigLoader) read(ctx context.Context, src config.MIGConfigSource) ([]byte, string, error) {
	if src.Path != "" {
		data, err := os.ReadFile(src.Path)
		if err != nil {
			return nil, "", fmt.Errorf("reading MIG config file: %w", err)
		}
		return data, src.Path, nil
	}
	ref := src.ConfigMap
	name := fmt.Sprintf("ConfigMap %s/%s key %s", ref.Namespace, ref.Name, ref.Key)
	cm := &corev1.ConfigMap{}
	if err := l.reader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, cm); err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", name, err)
	}
	data, ok := cm.Data[ref.Key]
	if !ok {
		return nil, "", fmt.Errorf("%s: no such key", name)
	}
	return []byte(data), name, nil
}

func sameSource(a, b config.MIGConfigSource) bool {
	if a.Path != b.Path || (a.ConfigMap == nil) != (b.ConfigMap == nil) {
		return false
	}
	return a.ConfigMap == nil || *a.ConfigMap == *b.ConfigMap
}
