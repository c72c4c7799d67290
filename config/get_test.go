package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const sample = `# A farm's config, with comments that edits must keep.

[server]
# where drones reach us
listen = "10.0.0.1:8093"   # LAN address

[farm]
# leases
lease = "90s"
heartbeat = "15s"
`

// getSample is sample with two drones.
var getSample = fixture(sample + `
[drones.a]
token_sha256 = "TOKEN"
capabilities = [
  "amd64",  # the usual
]

[drones.b]
token_sha256 = "TOKEN"
cores = 8
`)

func TestGet(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"server.listen", `"10.0.0.1:8093"`}, // the file's text, not its comment
		{"farm.lease", `"90s"`},              // as written, not "1m30s"
		{"farm.ground_for", `"5m"`},          // the template's default
		{"build.command", `["emerge", "--oneshot", "--buildpkg", "--usepkg", "--getbinpkg", "={atom}"]`}, // from the template
		{"build.sync", `[["emerge", "--sync"], ["emerge-webrsync"]]`},
		{"health.slow_factor", "2.0"},
		{"drones.a.capabilities", "[\n  \"amd64\",  # the usual\n]"},
		{"drones.a.cores", "0"},         // written by neither: formatted
		{"drones.b.capabilities", "[]"}, // likewise
		{"drones.b.cores", "8"},
		{"drones.b", "token_sha256 = \"TOKEN\"\ncapabilities = []\ncores = 8\nslots = 0"},
		{"server", "listen = \"10.0.0.1:8093\"\nmaintenance_every = \"5s\"\nmax_connections = 0\n" +
			"max_connections_per_address = 0\ndrone_connections = 0\nheader_timeout = \"10s\"\nread_timeout = \"60s\"\nidle_timeout = \"2m\""},
		{"remotes", ""},
		{"drones", "[drones.a]\ntoken_sha256 = \"TOKEN\"\ncapabilities = [\n  \"amd64\",  # the usual\n]\ncores = 0\nslots = 0\n\n" +
			"[drones.b]\ntoken_sha256 = \"TOKEN\"\ncapabilities = []\ncores = 8\nslots = 0"},
	} {
		got, err := Get(getSample, tc.key)
		if err != nil {
			t.Errorf("Get(%s): %v", tc.key, err)
			continue
		}
		if want := strings.ReplaceAll(tc.want, "TOKEN", token); got != want {
			t.Errorf("Get(%s) =\n%s\nwant\n%s", tc.key, got, want)
		}
	}
}

func TestGetTemplate(t *testing.T) {
	for key, want := range map[string]string{
		"farm.lease":             `"60s"`,
		"farm.fresh_every":       `"0s"`,
		"server.listen":          `"127.0.0.1:8093"`,
		"log.segment_bytes":      "4194304",
		"farm.systemic_fraction": "0.5",
		"health.self_check":      "[]",
		"binhost.path":           `""`,
	} {
		if got, err := Get(Template(), key); err != nil || got != want {
			t.Errorf("Get(Template(), %s) = %q, %v; want %q", key, got, err, want)
		}
	}
}

func TestGetErrors(t *testing.T) {
	for _, tc := range []struct {
		data, key string
		kind      error
	}{
		{"#\n", "farm.leese", ErrUnknownKey},
		{"#\n", "drones.zz", ErrUnknownKey},
		{"#\n", "drones.zz.cores", ErrUnknownKey},
		{"#\n", "farm.lease.x", ErrUnknownKey},
		{"#\n", "", ErrUnknownKey},
		{"#\n", "farm..lease", ErrUnknownKey},
		{"", "farm.lease", ErrEmpty},                       // a truncated file is not all defaults
		{" \n\n", "farm.lease", ErrEmpty},                  // nor is white space
		{"[farm]\nlease = 5\n", "farm.lease", ErrBadValue}, // the file must load
	} {
		_, err := Get([]byte(tc.data), tc.key)
		if !errors.Is(err, tc.kind) {
			t.Errorf("Get(%q, %q) = %v, want %v", tc.data, tc.key, err, tc.kind)
		}
	}
	_, err := Get([]byte("# every default\n"), "farm.leese")
	if want := "farm.leese: unknown key; farm has heartbeat, lease, ground_after, ground_for, fail_after_drones, systemic_window, systemic_fraction, stale_after, fresh_every, sample_every, require_version"; err == nil || err.Error() != want {
		t.Errorf("Get(farm.leese) = %v, want %s", err, want)
	}
}

func TestTOMLValue(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{"90s", `"90s"`},
		{"say \"hi\"\\\n\x01", `"say \"hi\"\\\n\u0001"`},
		{[]string{"amd64", "big disk"}, `["amd64", "big disk"]`},
		{[][]string{{"emerge", "--sync"}}, `[["emerge", "--sync"]]`},
		{7, "7"},
		{2.0, "2.0"},
		{0.5, "0.5"},
		{true, "true"},
		{dur(90_000_000_000), `"90s"`},
		{[]string{}, "[]"},
	} {
		if got := TOMLValue(tc.v); got != tc.want {
			t.Errorf("TOMLValue(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
	// What TOMLValue writes, Set accepts as that value.
	caps := []string{"amd64", `quote"s`, "back\\slash"}
	data, err := Set(fixture("[drones.a]\ntoken_sha256 = \"TOKEN\"\n"), "drones.a.capabilities", TOMLValue(caps))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := Parse(data); err != nil || !slices.Equal(cfg.Drones["a"].Capabilities, caps) {
		t.Errorf("capabilities = %q, %v; want %q", cfg.Drones["a"].Capabilities, err, caps)
	}
}

func TestTokenHash(t *testing.T) {
	// sha256("secret")
	const want = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
	if got := TokenHash("secret"); got != want {
		t.Errorf("TokenHash = %s, want %s", got, want)
	}
	if !validSHA256.MatchString(TokenHash("x")) {
		t.Error("TokenHash does not produce a valid token_sha256")
	}
}

func TestQuotedKeysAndTablesOfValues(t *testing.T) {
	data := Template()
	for _, key := range []string{
		`capabilities.packages."dev-util/nvidia-cuda-toolkit"`,
		`capabilities.packages.'dev-lang/python-3.12*'`,
		`capabilities.use.abi_x86_32`,
	} {
		var err error
		if data, err = Set(data, key, `["cuda"]`); err != nil {
			t.Fatalf("Set(%s): %v", key, err)
		}
	}
	cfg, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dev-util/nvidia-cuda-toolkit", "dev-lang/python-3.12*"} {
		if got := cfg.Caps.Packages[k]; len(got) != 1 || got[0] != "cuda" {
			t.Fatalf("packages[%q] = %v; all: %v", k, got, cfg.Caps.Packages)
		}
	}
	got, err := Get(data, "capabilities.packages")
	if err != nil {
		t.Fatal(err)
	}
	want := `"dev-lang/python-3.12*" = ["cuda"]` + "\n" + `"dev-util/nvidia-cuda-toolkit" = ["cuda"]`
	if got != want {
		t.Fatalf("Get(capabilities.packages) =\n%s\nwant\n%s", got, want)
	}
	if got, err := Get(data, `capabilities.packages."dev-util/nvidia-cuda-toolkit"`); err != nil || got != `["cuda"]` {
		t.Fatalf("Get of a quoted key: %q %v", got, err)
	}
	if _, err := Get(data, "capabilities"); err != nil {
		t.Fatalf("Get(capabilities): %v", err)
	}
	for _, bad := range []string{`a."unterminated`, `a.'x`, `a.."b"`, `"a"b`, `farm.`, `.farm`} {
		if _, err := splitKey(bad); err == nil {
			t.Errorf("splitKey(%q) accepted it", bad)
		}
	}
}
