package node

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// DeviceFilter is the device-filter of a MIG config entry: one PCI device
// ID or a list of them, e.g. "0x20B010DE" (device 0x20B0, vendor 0x10DE).
// mig-parted accepts both forms (NVIDIA/mig-parted api/spec/v1/spec.go,
// MigConfigSpec.UnmarshalJSON), and an ID may carry a subsystem part after
// a colon, "0x233010DE:0x16C110DE" (pkg/types/device.go).
type DeviceFilter []string

// UnmarshalJSON accepts a string or a list of strings.
func (f *DeviceFilter) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*f = nil
		if one != "" {
			*f = DeviceFilter{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("device-filter must be a PCI device ID or a list of them, e.g. \"0x20B010DE\": %w", err)
	}
	*f = many
	return nil
}

// resolution is what a named config does on one node's GPUs.
type resolution struct {
	// entries apply to at least one of the node's GPUs.
	entries MIGConfig
	// untouched are device IDs of the node no entry applies to: the MIG
	// manager leaves those GPUs as they are.
	untouched []string
	// subsystem is true when a matching filter names a subsystem ID, which
	// the node's annotation does not carry, so the match is by device alone.
	subsystem bool
}

// resolve selects the entries of c that apply to a node whose GPUs have
// the given PCI device IDs, as mig-parted does per GPU: an entry without a
// device-filter applies to every GPU, one with a filter to the GPUs whose
// ID it lists (NVIDIA/mig-parted api/spec/v1/helpers.go MatchesDeviceFilter,
// cmd/nvidia-mig-parted/assert/assert.go WalkSelectedMigConfigForEachGPU).
// IDs compare case-insensitively: NVML reports "0x20B010DE", files may not.
func resolve(c MIGConfig, ids []string) resolution {
	var res resolution
	used := make([]bool, len(ids))
	for _, e := range c {
		if len(e.DeviceFilter) == 0 {
			res.entries = append(res.entries, e)
			for i := range used {
				used[i] = true
			}
			continue
		}
		applies := false
		for i, id := range ids {
			for _, want := range e.DeviceFilter {
				device, sub, _ := strings.Cut(strings.TrimSpace(want), ":")
				if strings.EqualFold(device, id) {
					applies, used[i] = true, true
					res.subsystem = res.subsystem || sub != ""
				}
			}
		}
		if applies {
			res.entries = append(res.entries, e)
		}
	}
	for i, id := range ids {
		if !used[i] {
			res.untouched = append(res.untouched, id)
		}
	}
	return res
}

// unfiltered returns the entries that apply to every GPU, whatever its ID.
func (c MIGConfig) unfiltered() MIGConfig {
	var out MIGConfig
	for _, e := range c {
		if len(e.DeviceFilter) == 0 {
			out = append(out, e)
		}
	}
	return out
}

// filteredIDs lists, sorted and once each, the device IDs c has entries for.
func (c MIGConfig) filteredIDs() []string {
	var ids []string
	for _, e := range c {
		for _, id := range e.DeviceFilter {
			// NVML's form: lower-case 0x, upper-case hex digits.
			ids = append(ids, strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(id)), "0X", "0x"))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// parseDeviceIDs reads the node's gpuguard.io/pci-device-ids annotation:
// comma-separated IDs, blanks ignored.
func parseDeviceIDs(v string) []string {
	var ids []string
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
