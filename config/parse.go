package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// Load reads and checks the config file at path. Keys the file leaves out
// take their defaults. Errors name path, the line and the key.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config.toml: %w", err)
	}
	return parse(path, data)
}

// Parse reads and checks the text of a config file (named "config.toml" in
// errors). Keys it leaves out take their defaults. It refuses unknown keys,
// values of the wrong type and values that fail Validate, and a file with
// nothing but white space (ErrEmpty).
func Parse(data []byte) (Config, error) {
	return parse(FileName, data)
}

func parse(name string, data []byte) (Config, error) {
	if err := checkNotEmpty(name, data); err != nil {
		return Config{}, err
	}
	entries, err := scan(data, checkEntry(data))
	if err != nil {
		return Config{}, inFile(err, name, nil)
	}
	cfg, err := decode(data)
	if err != nil {
		return Config{}, inFile(err, name, nil)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, inFile(err, name, entries)
	}
	return cfg, nil
}

// decode fills Default() from data, which has passed the schema check; it
// still catches what that check does not look for, such as repeated keys.
func decode(data []byte) (cfg Config, err error) {
	defer func() {
		// The schema check has already parsed data, so a panic here is a
		// decoder bug; refuse the file rather than crash the farm.
		if r := recover(); r != nil {
			err = &Error{Msg: fmt.Sprintf("cannot decode: %v", r), Kind: ErrSyntax}
		}
	}()
	cfg = Default()
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(&cfg)
	if err == nil {
		return cfg, nil
	}
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		first := strict.Errors[0]
		line, _ := first.Position()
		return cfg, lined(unknownKey(first.Key()), line)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		e := &Error{Line: line, Msg: strings.TrimPrefix(de.Error(), "toml: "), Kind: ErrSyntax}
		// The decoder names the whole key for a bad value, but only part of
		// it for some syntax errors (a repeated key): keep only whole keys.
		if _, ok := typeAt(de.Key()); ok && len(de.Key()) > 1 {
			e.Key, e.Kind = join(de.Key()), ErrBadValue
		}
		return cfg, e
	}
	return cfg, &Error{Msg: err.Error(), Kind: ErrBadValue}
}

// inFile sets the file name of err and, when entries are given, the line of
// its key.
func inFile(err error, name string, entries []entry) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	e.File = name
	if e.Line == 0 && e.Key != "" && entries != nil {
		e.Line = lineOf(entries, parseKey(e.Key))
	}
	return e
}

// parseKey splits a dotted key written as TOML (joinKey's output, whose
// parts may be quoted).
func parseKey(key string) []string {
	entries, err := scan([]byte(key+" = 0"), nil)
	if err != nil || len(entries) != 1 {
		return strings.Split(key, ".")
	}
	return entries[0].path
}
