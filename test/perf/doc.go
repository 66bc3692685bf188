// Package perf measures gpuguard's admission path against controller-runtime
// baselines in the same run: a no-op handler that allows everything and a
// handler that returns the same JSON patch gpuguard returns, without
// deciding anything. It holds the review bodies (fixtures.go), the handlers
// (handlers.go) and the statistics (stats.go) shared by the benchmarks
// (`make bench`) and the load command (`make bench-load`, cmd/bench-load).
//
// Numbers are only ever reported as ratios against a baseline measured in
// the same run; nothing here asserts a rate or a duration.
package perf
