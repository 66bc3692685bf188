package vocab

import (
	"slices"
	"strings"
)

// ServiceAccountPrefix is how the API server names a service account user.
const ServiceAccountPrefix = "system:serviceaccount:"

// Subjects is a set of users, groups and service accounts.
type Subjects struct {
	Users  []string `json:"users,omitempty"`
	Groups []string `json:"groups,omitempty"`
	// ServiceAccounts are written "<namespace>/<name>".
	ServiceAccounts []string `json:"serviceAccounts,omitempty"`
}

// Match reports whether a request's user is one of the subjects: by user
// name, by any of its groups, or as a service account "<ns>/<name>".
func (s Subjects) Match(username string, groups []string) bool {
	if slices.Contains(s.Users, username) {
		return true
	}
	for _, g := range groups {
		if slices.Contains(s.Groups, g) {
			return true
		}
	}
	if sa, ok := strings.CutPrefix(username, ServiceAccountPrefix); ok {
		ns, name, _ := strings.Cut(sa, ":")
		return slices.Contains(s.ServiceAccounts, ns+"/"+name)
	}
	return false
}

// Empty reports whether the set names nobody.
func (s Subjects) Empty() bool {
	return len(s.Users) == 0 && len(s.Groups) == 0 && len(s.ServiceAccounts) == 0
}

// Merge returns the union of s and o, without duplicates, s's order first.
func (s Subjects) Merge(o Subjects) Subjects {
	return Subjects{
		Users:           union(s.Users, o.Users),
		Groups:          union(s.Groups, o.Groups),
		ServiceAccounts: union(s.ServiceAccounts, o.ServiceAccounts),
	}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// String lists the subjects for error messages.
func (s Subjects) String() string {
	var parts []string
	for _, kind := range []struct {
		name  string
		names []string
	}{{"users", s.Users}, {"groups", s.Groups}, {"service accounts", s.ServiceAccounts}} {
		if len(kind.names) > 0 {
			parts = append(parts, kind.name+" "+strings.Join(kind.names, ", "))
		}
	}
	if len(parts) == 0 {
		return "nobody"
	}
	return strings.Join(parts, "; ")
}
