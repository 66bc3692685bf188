package config

import (
	"github.com/gpuguard/gpuguard/config/vocab"
)

// Subjects is a set of users, groups and service accounts
// ("<namespace>/<name>").
type Subjects = vocab.Subjects

// Writers returns the table of Node writers in force: the default table for
// the policy's GPU Operator namespace, extended by the identities the policy
// adds to its writers.
func (p *Policy) Writers() vocab.Table {
	return vocab.DefaultTable(vocab.TableOptions{
		OperatorNamespace: p.GPUOperatorNamespace,
		Labeler:           p.Identities.Labeler,
		Operator:          p.Identities.Operator,
		Extra:             p.Identities.Writers,
	})
}
