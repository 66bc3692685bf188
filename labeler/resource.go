package labeler

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// resourceLabels are the per-resource labels (product, count, replicas,
// memory, architecture, MIG attributes) under MIG strategy strategy, as GFD
// v0.18.0's NewResourceLabeler writes them
// (NVIDIA/k8s-device-plugin internal/lm/mig-strategy.go): the full-GPU
// labels of every strategy, then single's or mixed's MIG labels merged over
// them. Under single, invalid says why the node cannot be described ("" when
// it can); the labels then carry GFD's INVALID set.
func resourceLabels(gpus []device.GPU, strategy string) (l Labels, invalid string, err error) {
	full, migOn := splitByMIG(gpus)
	l = fullGPULabels(gpus)
	switch strategy {
	case "none":
	case "single":
		single, reason := singleLabels(full, migOn)
		maps.Copy(l, single)
		invalid = reason
	case "mixed":
		for _, p := range profilesPresent(migOn) {
			parent, first, count := profileGroup(migOn, p)
			maps.Copy(l, migLabels("nvidia.com/mig-"+p, parent, first, count))
		}
	default:
		return nil, "", fmt.Errorf("unknown MIG strategy %q: use none, single or mixed", strategy)
	}
	return l, invalid, nil
}

const gpuResource = "nvidia.com/gpu"

func splitByMIG(gpus []device.GPU) (full, migOn []device.GPU) {
	for _, g := range gpus {
		if g.MIGEnabled {
			migOn = append(migOn, g)
		} else {
			full = append(full, g)
		}
	}
	return full, migOn
}

// singleLabels are the labels strategy single merges over the full-GPU
// ones (GFD's newMigStrategySingleLabeler): nothing while no GPU has MIG
// on, the MIG device under nvidia.com/gpu when the layout is uniform, the
// INVALID set otherwise, with the reason.
func singleLabels(full, migOn []device.GPU) (Labels, string) {
	if len(migOn) == 0 {
		return Labels{}, ""
	}
	if reason := singleInvalid(full, migOn); reason != "" {
		return invalidLabels(migOn[0]), reason
	}
	return migLabels(gpuResource, migOn[0], migOn[0].MIGDevices[0], allMIGDevices(migOn)), ""
}

// migLabels describe count MIG devices like d of GPU parent under prefix
// (GFD's NewMIGResourceLabeler: base labels plus the MIG attributes).
func migLabels(prefix string, parent device.GPU, d device.MIGDevice, count int) Labels {
	return Labels{
		prefix + ".product":          sanitizeName(parent.Name) + "-MIG-" + d.Profile,
		prefix + ".count":            fmt.Sprint(count),
		prefix + ".replicas":         "1",
		prefix + ".memory":           fmt.Sprint(d.MemoryMiB),
		prefix + ".sharing-strategy": "none",
		prefix + ".multiprocessors":  fmt.Sprint(d.Multiprocessors),
		prefix + ".slices.gi":        fmt.Sprint(d.GISlices),
		prefix + ".slices.ci":        fmt.Sprint(d.CISlices),
		prefix + ".engines.copy":     fmt.Sprint(d.CopyEngines),
		prefix + ".engines.decoder":  fmt.Sprint(d.Decoders),
		prefix + ".engines.encoder":  fmt.Sprint(d.Encoders),
		prefix + ".engines.jpeg":     fmt.Sprint(d.JPEGs),
		prefix + ".engines.ofa":      fmt.Sprint(d.OFAs),
	}
}

// invalidLabels are what GFD's newInvalidMigStrategyLabeler writes over the
// full-GPU labels of a node strategy single cannot describe; nothing
// schedules onto it until the layout is fixed. GFD writes the sharing
// strategy as an empty value here, and so do we.
func invalidLabels(g device.GPU) Labels {
	return Labels{
		gpuResource + ".product":          sanitizeName(g.Name) + "-MIG-INVALID",
		gpuResource + ".count":            "0",
		gpuResource + ".replicas":         "0",
		gpuResource + ".memory":           "0",
		gpuResource + ".sharing-strategy": "",
	}
}

// singleInvalid says why MIG strategy single cannot describe the node, or
// "" when it can, checking in GFD's order: a MIG-enabled GPU without MIG
// devices, MIG on next to MIG off, more than one profile. These are the
// layouts on which the device plugin refuses to start under single.
func singleInvalid(full, migOn []device.GPU) string {
	for _, g := range migOn {
		if len(g.MIGDevices) == 0 {
			return fmt.Sprintf("GPU %d has MIG enabled but no MIG devices", g.Index)
		}
	}
	if len(full) > 0 {
		return fmt.Sprintf("GPU %d has MIG disabled while GPU %d has it enabled; strategy single needs MIG on all GPUs or on none", full[0].Index, migOn[0].Index)
	}
	if ps := profilesPresent(migOn); len(ps) > 1 {
		return fmt.Sprintf("MIG devices of %d profiles (%v); strategy single needs exactly one", len(ps), ps)
	}
	return ""
}

func profilesPresent(gpus []device.GPU) []string {
	var ps []string
	for _, g := range gpus {
		for _, d := range g.MIGDevices {
			ps = append(ps, d.Profile)
		}
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// profileGroup returns the first GPU with a MIG device of profile p, that
// device, and how many devices of p the node has.
func profileGroup(gpus []device.GPU, p string) (parent device.GPU, first device.MIGDevice, count int) {
	for _, g := range gpus {
		for _, d := range g.MIGDevices {
			if d.Profile != p {
				continue
			}
			if count == 0 {
				parent, first = g, d
			}
			count++
		}
	}
	return parent, first, count
}

func allMIGDevices(gpus []device.GPU) int {
	n := 0
	for _, g := range gpus {
		n += len(g.MIGDevices)
	}
	return n
}
