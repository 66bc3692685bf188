package labeler_test

import (
	"fmt"

	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/labeler/device"
)

func ExampleCompute() {
	sim, err := device.Simulate("dgxa100,mig=1g.5gb")
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, err := sim.Reader().Read()
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := labeler.Compute(snap, labeler.Options{MIGStrategy: "single"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range []string{"nvidia.com/gpu.product", "nvidia.com/gpu.count", "nvidia.com/gpu.memory", "nvidia.com/mig.strategy"} {
		fmt.Printf("%s=%s\n", k, f.Labels[k])
	}
	// Output:
	// nvidia.com/gpu.product=Mock-NVIDIA-A100-SXM4-40GB-MIG-1g.5gb
	// nvidia.com/gpu.count=56
	// nvidia.com/gpu.memory=4864
	// nvidia.com/mig.strategy=single
}
