package remotes

import "errors"

// Errors callers test with errors.Is.
var (
	// ErrBadURL: a remote's URL is not sftp://user@host[:port]/path.
	ErrBadURL = errors.New("remotes: not a deploy target URL")
	// ErrUnknownHostKey: the host's key is not in known_hosts; it is
	// never accepted in silence.
	ErrUnknownHostKey = errors.New("remotes: unknown host key")
	// ErrHostKeyChanged: the host's key differs from the one known_hosts
	// holds for its address: a reinstalled host, or someone in between.
	ErrHostKeyChanged = errors.New("remotes: host key changed")
	// ErrTimeout: an operation on a remote outlived its timeout and the
	// connection was closed.
	ErrTimeout = errors.New("remotes: timed out")
	// ErrChecksum: what landed on the remote is not what was sent.
	ErrChecksum = errors.New("remotes: checksum mismatch")
)
