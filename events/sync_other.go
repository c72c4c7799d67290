//go:build !linux

package events

import "os"

func fdatasync(f *os.File) error { return f.Sync() }
