package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSubjectsMatch(t *testing.T) {
	s := Subjects{Users: []string{"alice"}, Groups: []string{"gpu-admins"}, ServiceAccounts: []string{"gpuguard/gpuguard-labeler"}}
	tests := map[string]struct {
		user   string
		groups []string
		want   bool
	}{
		"user":                  {"alice", nil, true},
		"group":                 {"bob", []string{"x", "gpu-admins"}, true},
		"service account":       {"system:serviceaccount:gpuguard:gpuguard-labeler", nil, true},
		"other service account": {"system:serviceaccount:gpuguard:default", nil, false},
		"same name, other ns":   {"system:serviceaccount:default:gpuguard-labeler", nil, false},
		"stranger":              {"bob", []string{"system:masters"}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, s.Match(tc.user, tc.groups))
		})
	}
	assert.Equal(t, "users alice; groups gpu-admins; service accounts gpuguard/gpuguard-labeler", s.String())
	assert.Equal(t, "nobody", Subjects{}.String())
}
