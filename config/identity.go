package config

import (
	"slices"
	"strings"
)

// serviceAccountPrefix is how the API server names a service account user.
const serviceAccountPrefix = "system:serviceaccount:"

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
	if sa, ok := strings.CutPrefix(username, serviceAccountPrefix); ok {
		ns, name, _ := strings.Cut(sa, ":")
		return slices.Contains(s.ServiceAccounts, ns+"/"+name)
	}
	return false
}

// String lists the subjects for error messages.
func (s Subjects) String() string {
	var parts []string
	if len(s.Users) > 0 {
		parts = append(parts, "users "+strings.Join(s.Users, ", "))
	}
	if len(s.Groups) > 0 {
		parts = append(parts, "groups "+strings.Join(s.Groups, ", "))
	}
	if len(s.ServiceAccounts) > 0 {
		parts = append(parts, "service accounts "+strings.Join(s.ServiceAccounts, ", "))
	}
	if len(parts) == 0 {
		return "nobody"
	}
	return strings.Join(parts, "; ")
}
