package config

import (
	_ "embed"
	"sync"
)

// defaultTOML is the commented config.toml that `swarm init` writes. It is a
// file rather than generated text so that the comments, which operators read,
// are edited as prose; a test keeps it equal to Default.
//
//go:embed default.toml
var defaultTOML []byte

// Template returns the commented default config.toml: every key with its
// default value and a comment on what it does and why. Parse(Template())
// equals Default(). The caller may modify the returned slice.
func Template() []byte {
	return append([]byte(nil), defaultTOML...)
}

// templateEntries indexes the template, so Get can print a default exactly as
// the template writes it ("60s", not "1m") when a file leaves the key out.
var templateEntries = sync.OnceValue(func() []entry {
	entries, err := scan(defaultTOML, nil)
	if err != nil {
		panic("config: default.toml does not parse: " + err.Error())
	}
	return entries
})
