package config

import (
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// Parse decodes a policy file (YAML or JSON), applies the defaults and
// validates it. Unknown fields are errors: a misspelt key that silently
// falls back to a default is how clusters end up with the wrong policy.
func Parse(source string, data []byte) (*Policy, error) {
	p := &Policy{}
	if err := yaml.UnmarshalStrict(data, p); err != nil {
		// The decoder names the offending key or line in err itself.
		return nil, &ValidationError{Source: source, Errors: field.ErrorList{{
			Type: field.ErrorTypeInvalid, Field: "<file>", BadValue: field.OmitValueType{}, Detail: err.Error(),
		}}}
	}
	p.applyDefaults()
	if errs := p.Validate(); len(errs) > 0 {
		return nil, &ValidationError{Source: source, Errors: errs}
	}
	return p, nil
}

// Load reads and parses the policy file at path.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy file: %w", err)
	}
	return Parse(path, data)
}
