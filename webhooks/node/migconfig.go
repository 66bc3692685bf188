package node

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// MIGConfigs resolves the named configs of the MIG manager's config file.
type MIGConfigs interface {
	// Lookup returns the config named name and whether it exists; Source
	// names the file for messages.
	Lookup(name string) (MIGConfig, bool)
	Names() []string
	Source() string
}

// MIGConfig is one named config: what it does to the node's GPUs.
type MIGConfig []MIGConfigEntry

// MIGConfigEntry is one entry of a named config, in mig-parted's format
// (NVIDIA/mig-parted api/spec/v1/spec.go, MigConfigSpec).
type MIGConfigEntry struct {
	// DeviceFilter limits the entry to GPUs of these PCI device IDs; empty
	// means every GPU.
	DeviceFilter DeviceFilter   `json:"device-filter,omitempty"`
	Devices      any            `json:"devices"`
	MIGEnabled   bool           `json:"mig-enabled"`
	MIGDevices   map[string]int `json:"mig-devices,omitempty"`
}

// MIGConfigFile is the MIG manager's config file.
type MIGConfigFile struct {
	Version    string               `json:"version"`
	MIGConfigs map[string]MIGConfig `json:"mig-configs"`
	source     string
}

// ParseMIGConfigFile parses the MIG manager's config file.
func ParseMIGConfigFile(source string, data []byte) (*MIGConfigFile, error) {
	f := &MIGConfigFile{source: source}
	if err := yaml.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("parsing MIG config file %s: %w", source, err)
	}
	if f.Version != "v1" {
		return nil, fmt.Errorf("MIG config file %s: version %q is not supported, want v1", source, f.Version)
	}
	return f, nil
}

// Lookup implements MIGConfigs.
func (f *MIGConfigFile) Lookup(name string) (MIGConfig, bool) {
	c, ok := f.MIGConfigs[name]
	return c, ok
}

// Names implements MIGConfigs.
func (f *MIGConfigFile) Names() []string {
	var names []string
	for n := range f.MIGConfigs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Source implements MIGConfigs.
func (f *MIGConfigFile) Source() string { return f.source }

// layout is what a MIG config leaves on a node.
type layout struct {
	profiles []string
	migOn    bool
	migOff   bool
}

// builtinLayout understands the names that need no config file:
// all-disabled, all-enabled and all-<profile>.
func builtinLayout(name string) (layout, bool) {
	switch name {
	case "all-disabled":
		return layout{migOff: true}, true
	case "all-enabled":
		return layout{migOn: true}, true
	}
	if p, ok := strings.CutPrefix(name, "all-"); ok && profileName(p) {
		return layout{migOn: true, profiles: []string{p}}, true
	}
	return layout{}, false
}

// fileLayout summarises the entries of a named config that apply to a node.
func fileLayout(c MIGConfig) layout {
	var l layout
	for _, e := range c {
		if !e.MIGEnabled {
			l.migOff = true
			continue
		}
		l.migOn = true
		for p := range e.MIGDevices {
			// mig-parted writes "+me"; labels and annotations write ".me".
			l.profiles = append(l.profiles, strings.ReplaceAll(p, "+", "."))
		}
	}
	slices.Sort(l.profiles)
	l.profiles = slices.Compact(l.profiles)
	return l
}

// profileName reports whether s looks like a MIG profile ("1g.10gb",
// "1c.3g.40gb", "1g.10gb.me").
func profileName(s string) bool {
	_, rest, ok := strings.Cut(s, "g.")
	return ok && strings.Contains(rest, "gb")
}
