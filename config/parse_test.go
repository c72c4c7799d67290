package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseGood(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want func(*Config) // applied to Default()
	}{
		{"comments only", "# nothing set\n", func(*Config) {}},
		{"duration", "[farm]\nlease = \"90s\"\n", func(c *Config) { c.Farm.Lease = dur(90 * time.Second) }},
		{"shorter array replaces default", "[build]\ncommand = [\"ebuild\", \"{atom}\"]\n",
			func(c *Config) { c.Build.Command = []string{"ebuild", "{atom}"} }},
		{"sync list", "[build]\nsync = [[\"emaint\", \"sync\", \"-a\"]]\n",
			func(c *Config) { c.Build.Sync = [][]string{{"emaint", "sync", "-a"}} }},
		{"empty sync list", "[build]\nsync = []\n", func(c *Config) { c.Build.Sync = [][]string{} }},
		{"integer for a float", "[farm]\nsystemic_fraction = 1\n", func(c *Config) { c.Farm.SystemicFraction = 1 }},
		{"dotted keys at the root", "farm.ground_after = 7\n", func(c *Config) { c.Farm.GroundAfter = 7 }},
		{"inline table", "farm = { ground_after = 7 }\n", func(c *Config) { c.Farm.GroundAfter = 7 }},
		{"listen on all interfaces", "[server]\nlisten = \":8093\"\n", func(c *Config) { c.Server.Listen = ":8093" }},
		{"zero turns fresh off", "[farm]\nfresh_every = \"0s\"\n", func(*Config) {}},
		{"drone", "[drones.build-01]\ntoken_sha256 = \"TOKEN\"\ncapabilities = [\"amd64\"]\ncores = 16\n",
			func(c *Config) {
				c.Drones["build-01"] = DroneConfig{TokenSHA256: token, Capabilities: []string{"amd64"}, Cores: 16}
			}},
		{"remote", "[remotes.web1]\nurl = \"sftp://deploy@web1:22/srv/swarm\"\n",
			func(c *Config) { c.Remotes["web1"] = RemoteConfig{URL: "sftp://deploy@web1:22/srv/swarm"} }},
		{"exclude globs", "[exclude]\npatterns = [\"dev-lang/rust\", \"games-*/*\"]\n",
			func(c *Config) { c.Exclude.Patterns = []string{"dev-lang/rust", "games-*/*"} }},
		{"CRLF line endings", "[farm]\r\nground_after = 7\r\n", func(c *Config) { c.Farm.GroundAfter = 7 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(fixture(tc.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := Default()
			tc.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// Every rejected file names the line and the key, and wraps the sentinel
// that classifies the problem.
func TestParseBad(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind error
		want string
	}{
		// empty: truncated, not "all defaults, no drones"
		{"", ErrEmpty, "config.toml: the file is empty (0 bytes), probably cut short by a crash or an editor: restore it from a backup, or copy the defaults from a new 'swarm init DIR' and admit the drones again"},
		{"\n \t\r\n", ErrEmpty, "config.toml: the file is empty (5 bytes), probably cut short by a crash or an editor: restore it from a backup, or copy the defaults from a new 'swarm init DIR' and admit the drones again"},
		// not TOML
		{"[farm\n", ErrSyntax, "config.toml:1: expected ']' to close table name"},
		{"[farm]\nlease = \n", ErrSyntax, "config.toml:2: unexpected character U+000A at start of value"},
		{"[farm]\nlease = \"1m\"\nlease = \"2m\"\n", ErrSyntax, "config.toml:3: key lease is already defined"},
		// unknown keys and tables
		{"[farm]\nheartbeat = \"15s\"\nleese = \"60s\"\n", ErrUnknownKey, "config.toml:3: farm.leese: unknown key; farm has heartbeat, lease, ground_after, ground_for, fail_after_drones, systemic_window, systemic_fraction, stale_after, fresh_every, sample_every, require_version"},
		{"\n[servr]\n", ErrUnknownKey, "config.toml:2: servr: unknown key; the tables are server, build, farm, health, heal, log, binhost, exclude, portage, capabilities, remotes, drones, operators"},
		{"[drones.x]\ntoken_sha256 = \"TOKEN\"\ntoken = \"t\"\n", ErrUnknownKey, "config.toml:3: drones.x.token: unknown key; drones.x has token_sha256, capabilities, cores, slots"},
		{"farm = { leese = \"1s\" }\n", ErrUnknownKey, "config.toml:1: farm.leese: unknown key; farm has heartbeat, lease, ground_after, ground_for, fail_after_drones, systemic_window, systemic_fraction, stale_after, fresh_every, sample_every, require_version"},
		// wrong types
		{"[farm]\n\nlease = \"banana\"\n", ErrBadValue, `config.toml:3: farm.lease: "banana" is not a duration (like "60s")`},
		{"[farm]\nlease = 90\n", ErrBadValue, `config.toml:2: farm.lease: 90 is not a duration (like "60s")`},
		{"[farm]\nlease = \"90\"\n", ErrBadValue, `config.toml:2: farm.lease: "90" is not a duration (like "60s")`},
		{"[farm]\nground_after = \"5\"\n", ErrBadValue, `config.toml:2: farm.ground_after: "5" is not a whole number`},
		{"[farm]\nground_after = 2.5\n", ErrBadValue, `config.toml:2: farm.ground_after: 2.5 is not a whole number`},
		{"[health]\nslow_factor = \"fast\"\n", ErrBadValue, `config.toml:2: health.slow_factor: "fast" is not a number`},
		{"[build]\ncommand = \"emerge {atom}\"\n", ErrBadValue, `config.toml:2: build.command: "emerge {atom}" is not a list of strings (like ["a", "b"])`},
		{"[build]\nsync = [\"emerge\", \"--sync\"]\n", ErrBadValue, `config.toml:2: build.sync: ["emerge", "--sync"] is not a list of commands (like [["emerge", "--sync"]])`},
		{"[binhost]\npath = 5\n", ErrBadValue, `config.toml:2: binhost.path: 5 is not a string`},
		{"farm = 5\n", ErrBadValue, `config.toml:1: farm: 5 is not a table`},
		{"[farm.lease]\n", ErrBadValue, `config.toml:1: farm.lease: is a value, not a table`},
		{"[[drones]]\n", ErrBadValue, `config.toml:1: drones: is not an array of tables; write [drones]`},
		{"[farm]\nground_after = 99999999999999999999\n", ErrBadValue, `config.toml:2: farm.ground_after: decimal number is too large to fit in a 64-bit signed integer`},
		// out of range
		{"[farm]\nground_after = -1\n", ErrBadValue, `config.toml:2: farm.ground_after: must be at least 1, not -1`},
		{"[farm]\nfail_after_drones = 0\n", ErrBadValue, `config.toml:2: farm.fail_after_drones: must be at least 1, not 0`},
		{"[farm]\nground_for = \"-5m\"\n", ErrBadValue, `config.toml:2: farm.ground_for: must be at least 1s, not "-5m"`},
		{"[farm]\nfresh_every = \"-1h\"\n", ErrBadValue, `config.toml:2: farm.fresh_every: must be "0s" (off) or at least 1m, not "-1h"`},
		{"[farm]\nlease = \"20s\"\n", ErrBadValue, `config.toml:2: farm.lease: must be at least twice farm.heartbeat (2 × 15s = 30s), or leases lapse between heartbeats; not "20s"`},
		{"[farm]\nsystemic_fraction = 1.5\n", ErrBadValue, `config.toml:2: farm.systemic_fraction: must be more than 0 and at most 1, not 1.5`},
		{"[farm]\nsystemic_fraction = -0.1\n", ErrBadValue, `config.toml:2: farm.systemic_fraction: must be more than 0 and at most 1, not -0.1`},
		{"[health]\ndegraded_disk_percent = 120.0\n", ErrBadValue, `config.toml:2: health.degraded_disk_percent: must be more than 0 and at most 100, not 120`},
		{"[health]\nslow_factor = 0.5\n", ErrBadValue, `config.toml:2: health.slow_factor: must be at least 1, not 0.5`},
		{"[health]\nself_check = [\"\"]\n", ErrBadValue, `config.toml:2: health.self_check: the program (first element) must not be empty`},
		{"[log]\nsegment_bytes = 0\n", ErrBadValue, `config.toml:2: log.segment_bytes: must be at least 4096, not 0`},
		{"[server]\nlisten = \"localhost\"\n", ErrBadValue, `config.toml:2: server.listen: "localhost" is not host:port (like "127.0.0.1:8093")`},
		{"[server]\nlisten = \"127.0.0.1:http\"\n", ErrBadValue, `config.toml:2: server.listen: "127.0.0.1:http" is not host:port (like "127.0.0.1:8093")`},
		{"[build]\ncommand = []\n", ErrBadValue, `config.toml:2: build.command: must name a command, like ["emerge", …]`},
		{"[build]\ncommand = [\"emerge\", \"sys-apps/foo\"]\n", ErrBadValue, `config.toml:2: build.command: must contain {atom}, where the package to build goes`},
		{"[build]\nsync = [[]]\n", ErrBadValue, `config.toml:2: build.sync: command 1 must name a program`},
		{"[exclude]\npatterns = [\"dev-lang/[\"]\n", ErrBadValue, `config.toml:2: exclude.patterns: "dev-lang/[" is not a package pattern (like "cat/*")`},
		{"[drones.x]\ncores = 4\n", ErrBadValue, `config.toml:1: drones.x.token_sha256: must be the 64 lowercase hex digits of the token's SHA-256`},
		{"[drones.x]\ntoken_sha256 = \"TOKEN\"\ncores = -4\n", ErrBadValue, `config.toml:3: drones.x.cores: must be at least 0, not -4`},
		{"[drones.\"a.b\"]\ntoken_sha256 = \"TOKEN\"\n", ErrBadValue, `config.toml:1: drones."a.b": id must be letters, digits, - and _ (at most 64)`},
		{"[remotes.web]\nurl = \"ftp://web/srv\"\n", ErrBadValue, `config.toml:2: remotes.web.url: "ftp://web/srv" is not a deploy target (like "sftp://user@host:22/path")`},
	} {
		_, err := Parse(fixture(tc.in))
		if err == nil {
			t.Errorf("Parse(%q) succeeded; want %q", tc.in, tc.want)
			continue
		}
		if got := strings.ReplaceAll(err.Error(), token, "TOKEN"); got != tc.want {
			t.Errorf("Parse(%q) error\n got %s\nwant %s", tc.in, got, tc.want)
		}
		if !errors.Is(err, tc.kind) {
			t.Errorf("Parse(%q) error %v is not %v", tc.in, err, tc.kind)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("[farm]\nlease = \"banana\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := path + `:2: farm.lease: "banana" is not a duration (like "60s")`; err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := Default()
	c.Farm.GroundAfter = 0
	err := c.Validate()
	if err == nil || err.Error() != "farm.ground_after: must be at least 1, not 0" || !errors.Is(err, ErrBadValue) {
		t.Errorf("Validate = %v", err)
	}
}
