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
//
// It runs once per unknown key of a request, which may carry tens of
// thousands, so it only measures distances up to that bound: candidates
// whose letters alone put them further are skipped, and a comparison stops
// as soon as every edit path is beyond the best so far.
func Typo(s string, candidates []string) (string, bool) {
	limit := max(2, len(s)/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if letterBound(s, c) >= bestD {
			continue
		}
		if d := boundedDistance(s, c, bestD-1); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD <= limit
}

// boundedDistance is editDistance when that is at most k, else k+1.
func boundedDistance(a, b string, k int) int {
	var buf [2][64]int
	prev, cur := buf[0][:], buf[1][:]
	if len(b)+1 > len(prev) {
		prev, cur = make([]int, len(b)+1), make([]int, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > k {
			return k + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], k+1)
}

// letterBound is a lower bound of the edit distance from the letters
// alone: each edit fixes at most one letter of a that b lacks and one of b
// that a lacks, so at least max(len) - (letters in common) edits are needed.
func letterBound(a, b string) int {
	var count [256]int32
	for i := range len(a) {
		count[a[i]]++
	}
	common := 0
	for i := range len(b) {
		if count[b[i]] > 0 {
			count[b[i]]--
			common++
		}
	}
	return max(len(a), len(b)) - common
}
