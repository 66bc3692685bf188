package labeler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-logr/logr"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/labeler/device"
)

// Options say how to label.
type Options struct {
	// MIGStrategy is none, single or mixed.
	MIGStrategy string
	// MachineType is the raw machine name (first line of the DMI product
	// name); "" labels the machine "unknown".
	MachineType string
	// Timestamp, when non-zero, is written as nvidia.com/gfd.timestamp.
	Timestamp int64
	// DeployComponents get nvidia.com/gpu.deploy.<c>=true where absent.
	// nil means the catalogue's defaults (vocab.DefaultDeployComponents);
	// empty disables deploy defaults.
	DeployComponents []string
	Log              logr.Logger
}

// Facts is what the labeler keeps on a Node.
type Facts struct {
	// Labels are the fact labels: GFD's and nvidia.com/gpu.present.
	Labels Labels
	// Deploy are deploy defaults, set only where the Node has no value.
	Deploy Labels
	// Annotations holds vocab.AnnotationMIGProfiles and
	// vocab.AnnotationPCIDeviceIDs.
	Annotations map[string]string
	// SingleInvalid says why the node is invalid for strategy single.
	SingleInvalid string
	// Dropped lists labels whose values could not be made valid.
	Dropped []string
}

// Compute derives every fact of a snapshot. A snapshot without GPUs yields
// empty facts: the node simply is not a GPU node.
func Compute(snap *device.Snapshot, o Options) (*Facts, error) {
	f := &Facts{Labels: Labels{}, Deploy: Labels{}, Annotations: map[string]string{}}
	if snap == nil || len(snap.GPUs) == 0 {
		return f, nil
	}
	resource, invalid, err := resourceLabels(snap.GPUs, o.MIGStrategy)
	if err != nil {
		return nil, err
	}
	f.SingleInvalid = invalid
	raw, err := Merge(
		machineLabeler{snap: snap, machineType: o.MachineType, strategy: o.MIGStrategy, timestamp: o.Timestamp},
		cudaLabeler{snap: snap},
		resource,
	).Labels()
	if err != nil {
		return nil, err
	}
	for k, v := range raw {
		if clean, ok := labelValue(v); ok {
			f.Labels[k] = clean
		} else {
			f.Dropped = append(f.Dropped, k)
		}
	}
	slices.Sort(f.Dropped)
	if profiles := migProfiles(snap); profiles != "" {
		f.Annotations[vocab.AnnotationMIGProfiles] = profiles
	}
	if ids := pciDeviceIDs(snap); ids != "" {
		f.Annotations[vocab.AnnotationPCIDeviceIDs] = ids
	}
	components := o.DeployComponents
	if components == nil {
		components = vocab.DefaultDeployComponents(f.Labels[vocab.LabelMIGCapable] == vocab.ValueTrue)
	}
	for _, c := range components {
		f.Deploy[vocab.DeployPrefix+c] = vocab.ValueTrue
	}
	return f, nil
}

// migProfiles joins the MIG profiles any of the node's GPUs support.
func migProfiles(snap *device.Snapshot) string {
	var all []string
	for _, g := range snap.GPUs {
		all = append(all, g.MIGProfiles...)
	}
	slices.Sort(all)
	return strings.Join(slices.Compact(all), ",")
}

// pciDeviceIDs joins the PCI device IDs of the node's GPUs that NVML
// reported (0: unknown, left out).
func pciDeviceIDs(snap *device.Snapshot) string {
	var ids []string
	for _, g := range snap.GPUs {
		if g.PCIDeviceID != 0 {
			ids = append(ids, fmt.Sprintf("0x%X", g.PCIDeviceID))
		}
	}
	slices.Sort(ids)
	return strings.Join(slices.Compact(ids), ",")
}
