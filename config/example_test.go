package config_test

import (
	"fmt"

	"github.com/gpuguard/gpuguard/config"
)

func ExampleParse() {
	p, err := config.Parse("policy.yaml", []byte("migStrategy: mixed\nenforcement: {unsatisfiable: deny}\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.MIGStrategy, p.RuntimeClass(), p.Enforcement.Mode(config.RuleUnsatisfiable), p.Enforcement.Mode(config.RuleDeployLabels))

	_, err = config.Parse("policy.yaml", []byte("migStrategy: Mixed\n"))
	fmt.Println(err)
	// Output:
	// mixed nvidia deny deny
	// invalid gpuguard policy: policy.yaml has 1 problem(s):
	//   - migStrategy: Unsupported value: "Mixed": supported values: "auto", "none", "single", "mixed"
	// fix the fields named above (see the policy reference in docs/policy.md)
}
