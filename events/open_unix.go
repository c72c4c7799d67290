//go:build unix

package events

import (
	"os"
	"syscall"
)

// openRead opens the file at path for reading, as os.Open does but without
// offering a regular file to the network poller: os.Open sets the file
// non-blocking, tries to register it (epoll refuses regular files) and
// sets it blocking again, four system calls more than the open itself.
// The log's readers open the newest segment on every look (every commit
// and every read of the event stream), so those calls were most of a
// look's syscalls. Reads of the *os.File returned behave as os.Open's do:
// a regular file is never polled either way.
func openRead(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
