package events

import (
	"os"
	"path/filepath"
)

// NewestTorn reports whether the newest segment in dir ends in bytes that
// are not a whole frame: a torn write that a writer's Open should have cut.
// For the tests in package events_test.
func NewestTorn(dir string) (bool, error) {
	names, err := listSegments(dir)
	if err != nil || len(names) == 0 {
		return false, err
	}
	name := names[len(names)-1]
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return false, err
	}
	s, err := scanSegment(name, data, true)
	if err != nil {
		return false, err
	}
	return s.torn, nil
}

// SetFaultyWrite makes l write frames with fault instead of the tail
// file's WriteAt: a disk that fails on demand. Set it before appending.
func SetFaultyWrite(l *Log, fault func(f *os.File, b []byte, off int64) (int, error)) {
	l.faultyWrite = fault
}
