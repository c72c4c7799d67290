//go:build !linux

package drone

// groupCPU is not measured outside Linux: output and build.log growth alone
// are the build's progress there.
func groupCPU(map[int]bool) map[int]map[int]uint64 { return map[int]map[int]uint64{} }
