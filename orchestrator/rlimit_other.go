//go:build !unix

package orchestrator

// descriptorLimit has no RLIMIT_NOFILE to read here: assume the common
// 1024, which [server] max_connections may override.
func descriptorLimit() (uint64, error) { return 1024, nil }
