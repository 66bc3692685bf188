package inject

import (
	"context"
	"fmt"
)

// RuntimeClassExists answers whether the named RuntimeClass exists: false
// with a nil error when it is missing, an error when the lookup failed and
// nothing is known.
type RuntimeClassExists func(ctx context.Context, name string) (bool, error)

// RuntimeClass returns rc when it exists. Otherwise it returns "" and why
// not, to finish "RuntimeClass <rc> …": "does not exist", or "could not be
// looked up (<error>)". Either way nothing is injected: a pod given a
// runtime class that might not exist would never start, while one without
// it starts with the node's default runtime and a warning.
func RuntimeClass(ctx context.Context, exists RuntimeClassExists, rc string) (string, string) {
	ok, err := exists(ctx, rc)
	switch {
	case err != nil:
		return "", fmt.Sprintf("could not be looked up (%v)", err)
	case !ok:
		return "", "does not exist"
	default:
		return rc, ""
	}
}
