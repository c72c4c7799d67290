package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error this package returns about the contents of a
// config file is an *Error that wraps exactly one of these, so callers can
// tell a typo from a bad value with errors.Is without parsing messages.
var (
	// ErrSyntax means the file is not valid TOML (or repeats a key), so
	// nothing in it can be trusted.
	ErrSyntax = errors.New("config.toml: not valid TOML")

	// ErrUnknownKey means a key or table the configuration does not have.
	// It is an error, not a warning: an ignored misspelt key silently leaves
	// the default in force, which is how settings drifted before.
	ErrUnknownKey = errors.New("config.toml: unknown key")

	// ErrBadValue means a known key holds a value of the wrong type or out of
	// range (a negative count, a listen address without a port, …).
	ErrBadValue = errors.New("config.toml: bad value")

	// ErrTable means a value was given for a key that names a whole table
	// (like "farm"); set one of its keys instead.
	ErrTable = errors.New("config.toml: key names a table, not a value")

	// ErrEmpty means the file has nothing but white space. swarm init never
	// writes such a file, so it is one truncated by a crash or a bad save;
	// taking it as "all defaults, no drones" would lock every drone out.
	ErrEmpty = errors.New("config.toml: file is empty")
)

// Error is a problem with one key of a config file. It prints as
//
//	FILE:LINE: KEY: MESSAGE
//
// leaving out the parts it does not know (a value that is only a default has
// no line), and unwraps to one of the sentinel errors.
type Error struct {
	File string // file name as given to Load, "config.toml" for Parse; may be empty
	Line int    // 1-based line of the key, 0 if unknown
	Key  string // dotted key, like "farm.lease"; may be empty for syntax errors
	Msg  string // what is wrong, for a human
	Kind error  // one of ErrSyntax, ErrUnknownKey, ErrBadValue, ErrTable, ErrEmpty
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel error that classifies e.
func (e *Error) Unwrap() error { return e.Kind }

// badValue returns an ErrBadValue error for key.
func badValue(key, format string, args ...any) *Error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...), Kind: ErrBadValue}
}

// unknownKey returns an ErrUnknownKey error for path, listing the keys its
// table does have, since the usual cause is a typo.
func unknownKey(path []string) *Error {
	msg := "unknown key"
	if hint := knownKeys(path); hint != "" {
		msg += "; " + hint
	}
	return &Error{Key: strings.Join(path, "."), Msg: msg, Kind: ErrUnknownKey}
}

// checkNotEmpty refuses a file with nothing but white space (see ErrEmpty).
// A file of comments alone is a deliberate choice of every default, and is
// kept.
func checkNotEmpty(name string, data []byte) error {
	if len(bytes.TrimSpace(data)) > 0 {
		return nil
	}
	return &Error{File: name, Kind: ErrEmpty, Msg: fmt.Sprintf("the file is empty (%d bytes), "+
		"probably cut short by a crash or an editor: restore it from a backup, or copy the defaults "+
		"from a new 'swarm init DIR' and admit the drones again", len(data))}
}
