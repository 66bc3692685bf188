// Package suggest finds the closest known name to a misspelt one, for error
// messages that say "did you mean ...?".
package suggest

// Closest returns the candidate with the smallest edit distance to s, and
// that distance.
func Closest(s string, candidates []string) (string, int) {
	best, bestD := "", -1 // -1: no candidates
	for _, c := range candidates {
		if d := editDistance(s, c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// editDistance is the Levenshtein distance, over bytes (label keys are
// ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Typo returns the closest candidate if s is plausibly a misspelling of it:
// within a third of s's length in edits (at least 2), as "dcgm-exporer" is
// of "dcgm-exporter". Further away, a list of names helps more than a guess.
func Typo(s string, candidates []string) (string, bool) {
	best, d := Closest(s, candidates)
	return best, d >= 0 && d <= max(2, len(s)/3)
}
