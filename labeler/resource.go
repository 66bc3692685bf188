package labeler

import (
	"fmt"
	"slices"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// resourceLabeler writes the per-resource labels (product, count,
// replicas, memory, MIG attributes) under the configured MIG strategy
// (SPEC §1.1 strategy rules).
type resourceLabeler struct {
	gpus     []device.GPU
	strategy string
	// invalid receives why the node is invalid for strategy single.
	invalid *string
}

const gpuResource = "nvidia.com/gpu"

func (r resourceLabeler) Labels() (Labels, error) {
	var full, migOn []device.GPU
	for _, g := range r.gpus {
		if g.MIGEnabled {
			migOn = append(migOn, g)
		} else {
			full = append(full, g)
		}
	}
	switch r.strategy {
	case "none":
		return fullLabels(gpuResource, r.gpus), nil
	case "single":
		if len(migOn) == 0 {
			return fullLabels(gpuResource, r.gpus), nil
		}
		if reason := singleInvalid(full, migOn); reason != "" {
			*r.invalid = reason
			return invalidLabels(migOn[0]), nil
		}
		return migLabels(gpuResource, migOn[0], migOn[0].MIGDevices[0], allMIGDevices(migOn)), nil
	case "mixed":
		l := Labels{}
		if len(full) > 0 {
			l = fullLabels(gpuResource, full)
		}
		for _, p := range profilesPresent(migOn) {
			parent, first, count := profileGroup(migOn, p)
			for k, v := range migLabels("nvidia.com/mig-"+p, parent, first, count) {
				l[k] = v
			}
		}
		return l, nil
	}
	return nil, fmt.Errorf("unknown MIG strategy %q: use none, single or mixed", r.strategy)
}

// fullLabels describes full GPUs. Like GFD, the product and memory are the
// first GPU's and the count is all of them; a MIG-enabled GPU among them
// is not usable whole, so replicas drops to 0.
func fullLabels(prefix string, gpus []device.GPU) Labels {
	replicas := "1"
	for _, g := range gpus {
		if g.MIGEnabled {
			replicas = "0"
		}
	}
	return Labels{
		prefix + ".product":          sanitizeName(gpus[0].Name),
		prefix + ".count":            fmt.Sprint(len(gpus)),
		prefix + ".replicas":         replicas,
		prefix + ".memory":           fmt.Sprint(gpus[0].MemoryMiB),
		prefix + ".sharing-strategy": "none",
	}
}

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

// invalidLabels are what GFD writes for a node the single strategy cannot
// describe: nothing schedules onto it until the layout is fixed.
func invalidLabels(g device.GPU) Labels {
	return Labels{
		"nvidia.com/gpu.product":          sanitizeName(g.Name) + "-MIG-INVALID",
		"nvidia.com/gpu.count":            "0",
		"nvidia.com/gpu.replicas":         "0",
		"nvidia.com/gpu.memory":           "0",
		"nvidia.com/gpu.sharing-strategy": "none",
	}
}

// singleInvalid says why MIG strategy single cannot describe the node, or
// "" when it can. These are the layouts on which the device plugin refuses
// to start under single.
func singleInvalid(full, migOn []device.GPU) string {
	if len(full) > 0 {
		return fmt.Sprintf("GPU %d has MIG disabled while GPU %d has it enabled; strategy single needs MIG on all GPUs or on none", full[0].Index, migOn[0].Index)
	}
	for _, g := range migOn {
		if len(g.MIGDevices) == 0 {
			return fmt.Sprintf("GPU %d has MIG enabled but no MIG devices", g.Index)
		}
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
