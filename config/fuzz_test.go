package config

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse: Parse never panics, every error it returns is an *Error, and
// whatever it accepts validates.
func FuzzParse(f *testing.F) {
	f.Add(Template())
	f.Add([]byte(sample))
	f.Add(getSample)
	f.Add([]byte("farm = { lease = \"90s\", ground_after = 7 }\n[drones.\"x\"]\ntoken_sha256 = 'x'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error %v (%T) is not an *Error", err, err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that does not validate: %v", err)
		}
	})
}

// FuzzSet: Get, Set and Delete never panic or modify their input, and what
// Set and Delete return always Parses.
func FuzzSet(f *testing.F) {
	f.Add(Template(), "farm.lease", "90s")
	f.Add([]byte(sample), "drones.b.token_sha256", `"`+token+`"`)
	f.Add(getSample, "drones.a.capabilities", `["amd64", "arm64"]`)
	f.Add([]byte("farm.lease = \"90s\""), "farm.heartbeat", "'5s'")
	f.Add([]byte("[build]\r\ncommand = [\r\n\"emerge\", \"{atom}\"]\r\n"), "build.sync", "[]")
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		orig := bytes.Clone(data)
		_, _ = Get(data, key)
		out, err := Set(data, key, value)
		if err == nil {
			if _, perr := Parse(out); perr != nil {
				t.Fatalf("Set(%q, %q) gave text that does not Parse: %v\n%s", key, value, perr, out)
			}
		}
		out, err = Delete(data, key)
		if err == nil {
			if _, perr := Parse(out); perr != nil {
				t.Fatalf("Delete(%q) gave text that does not Parse: %v\n%s", key, perr, out)
			}
		}
		if !bytes.Equal(data, orig) {
			t.Fatal("input modified")
		}
	})
}
