//go:build unix

package events

import (
	"os"
	"syscall"
)

// fileID identifies a file across renames, so a writer can tell that another
// process sealed (replaced) the tail segment.
func fileID(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
