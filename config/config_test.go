package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// token is a well-formed token hash for fixtures.
var token = strings.Repeat("ab", 32)

// fixture replaces TOKEN in s with a valid token hash.
func fixture(s string) []byte {
	return []byte(strings.ReplaceAll(s, "TOKEN", token))
}

func TestTemplateParsesToDefault(t *testing.T) {
	got, err := Parse(Template())
	if err != nil {
		t.Fatalf("Parse(Template()): %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Parse(Template()) =\n%+v\nwant Default() =\n%+v", got, want)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

// Every key must be written out in the template under a comment (keys that
// share one comment sit directly below each other), so an operator sees every
// setting and why it is there.
func TestTemplateWritesAndExplainsEveryKey(t *testing.T) {
	lines := strings.Split(string(Template()), "\n")
	for _, path := range leafPaths(configType, nil) {
		e := find(templateEntries(), path)
		if e == nil {
			t.Errorf("template lacks %s", join(path))
			continue
		}
		i := e.line - 2 // the line above, 0-based
		for i >= 0 && strings.Contains(lines[i], " = ") && !strings.HasPrefix(lines[i], "#") {
			i--
		}
		if i < 0 || !strings.HasPrefix(lines[i], "# ") {
			t.Errorf("%s (line %d) has no comment above it", join(path), e.line)
		}
	}
}

// leafPaths lists every value key of the fixed tables (maps excluded).
func leafPaths(t reflect.Type, prefix []string) [][]string {
	var paths [][]string
	for i := range t.NumField() {
		f := t.Field(i)
		path := append(prefix[:len(prefix):len(prefix)], tomlName(f))
		switch {
		case f.Type.Kind() == reflect.Map:
		case isTable(f.Type):
			paths = append(paths, leafPaths(f.Type, path)...)
		default:
			paths = append(paths, path)
		}
	}
	return paths
}

func TestTemplateReturnsCopy(t *testing.T) {
	a := Template()
	a[0] = 'X'
	if Template()[0] == 'X' {
		t.Error("Template() shares its bytes with callers")
	}
}

func TestDurationText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"90s", 90 * time.Second, "90s"},
		{"60s", time.Minute, "1m"},
		{"48h", 48 * time.Hour, "48h"},
		{"1m30s", 90 * time.Second, "90s"},
		{"0s", 0, "0s"},
		{"1.5s", 1500 * time.Millisecond, "1500ms"},
		{"-5m", -5 * time.Minute, "-5m"},
	} {
		var d Duration
		if err := d.UnmarshalText([]byte(tc.in)); err != nil || d.Duration != tc.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tc.in, d.Duration, err, tc.want)
		}
		if out, _ := d.MarshalText(); string(out) != tc.out {
			t.Errorf("MarshalText(%v) = %q, want %q", tc.want, out, tc.out)
		}
	}
	for _, bad := range []string{"90", "0", "banana", "", "5 m"} {
		var d Duration
		if err := d.UnmarshalText([]byte(bad)); !errors.Is(err, ErrBadValue) {
			t.Errorf("UnmarshalText(%q) = %v, want ErrBadValue", bad, err)
		}
	}
}

func TestBinhostDir(t *testing.T) {
	for path, want := range map[string]string{
		"":             "/farm/.swarm/binhost",
		"packages":     "/farm/.swarm/packages",
		"/srv/binhost": "/srv/binhost",
	} {
		c := Default()
		c.Binhost.Path = path
		if got := c.BinhostDir("/farm/.swarm"); got != want {
			t.Errorf("BinhostDir with path %q = %q, want %q", path, got, want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		err  Error
		want string
	}{
		{Error{File: "c.toml", Line: 3, Key: "a.b", Msg: "bad"}, "c.toml:3: a.b: bad"},
		{Error{File: "c.toml", Key: "a.b", Msg: "bad"}, "c.toml: a.b: bad"},
		{Error{Key: "a.b", Msg: "bad"}, "a.b: bad"},
		{Error{File: "c.toml", Line: 1, Msg: "bad"}, "c.toml:1: bad"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestCapabilityRules(t *testing.T) {
	cfg, err := Parse([]byte(`
[capabilities.packages]
"dev-util/nvidia-cuda-toolkit" = ["cuda"]
"*/*-bin" = []

[capabilities.use]
abi_x86_32 = ["multilib"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Caps.Packages["dev-util/nvidia-cuda-toolkit"]; len(got) != 1 || got[0] != "cuda" {
		t.Fatalf("packages: %v", cfg.Caps.Packages)
	}
	if got := cfg.Caps.USE["abi_x86_32"]; len(got) != 1 || got[0] != "multilib" {
		t.Fatalf("use: %v", cfg.Caps.USE)
	}
	for _, bad := range []string{
		"[capabilities.packages]\n\"dev-util/[\" = [\"x\"]\n",
		"[capabilities.use]\nabi = [\"\"]\n",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}
