package config

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	for _, tc := range []struct {
		name, in, key, value, want string
	}{
		{"replace keeps comments", sample, "farm.lease", `"120s"`,
			strings.Replace(sample, `lease = "90s"`, `lease = "120s"`, 1)},
		{"replace keeps a trailing comment", sample, "server.listen", `"10.0.0.2:9000"`,
			strings.Replace(sample, `"10.0.0.1:8093"   #`, `"10.0.0.2:9000"   #`, 1)},
		{"bare word is a string", sample, "farm.lease", "120s",
			strings.Replace(sample, `lease = "90s"`, `lease = "120s"`, 1)},
		{"literal string kept as written", sample, "farm.lease", `'2m'`,
			strings.Replace(sample, `lease = "90s"`, `lease = '2m'`, 1)},
		{"missing key goes at the end of its table", sample, "farm.ground_after", "7",
			sample + "ground_after = 7\n"},
		{"missing table goes at the end of the file", sample, "health.slow_factor", "3.0",
			sample + "\n[health]\nslow_factor = 3.0\n"},
		{"new drone", sample, "drones.build-01.token_sha256", `"TOKEN"`,
			sample + "\n[drones.build-01]\ntoken_sha256 = \"TOKEN\"\n"},
		{"array", sample, "build.command", `["ebuild", "{atom}", "merge"]`,
			sample + "\n[build]\ncommand = [\"ebuild\", \"{atom}\", \"merge\"]\n"},
		{"insert before the next table's comments",
			"[farm]\nlease = \"90s\"\n\n# drones below\n[drones.a]\ntoken_sha256 = \"TOKEN\"\n", "farm.ground_for", `"1h"`,
			"[farm]\nlease = \"90s\"\nground_for = \"1h\"\n\n# drones below\n[drones.a]\ntoken_sha256 = \"TOKEN\"\n"},
		{"insert under an empty table", "[log]\n# nothing yet\n\n[farm]\n", "log.snapshot_every", "500",
			"[log]\nsnapshot_every = 500\n# nothing yet\n\n[farm]\n"},
		{"dotted keys stay dotted", "farm.lease = \"90s\"\n", "farm.heartbeat", `"10s"`,
			"farm.lease = \"90s\"\nfarm.heartbeat = \"10s\"\n"},
		{"indentation copied", "[farm]\n  lease = \"90s\"\n", "farm.heartbeat", `"10s"`,
			"[farm]\n  lease = \"90s\"\n  heartbeat = \"10s\"\n"},
		{"no final newline", "[farm]\nlease = \"90s\"", "farm.heartbeat", `"10s"`,
			"[farm]\nlease = \"90s\"\nheartbeat = \"10s\"\n"},
		{"CRLF kept", "[farm]\r\nlease = \"90s\"\r\n", "farm.heartbeat", `"10s"`,
			"[farm]\r\nlease = \"90s\"\r\nheartbeat = \"10s\"\r\n"},
		{"multi-line value replaced whole", "[build]\ncommand = [\n  \"emerge\", # x\n  \"{atom}\",\n]\n# after\n",
			"build.command", `["emerge", "={atom}"]`, "[build]\ncommand = [\"emerge\", \"={atom}\"]\n# after\n"},
		{"repairs a bad value", "[farm]\nlease = \"banana\"\n", "farm.lease", "60s", "[farm]\nlease = \"60s\"\n"},
		{"empty file", "", "farm.lease", "90s", "[farm]\nlease = \"90s\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := fixture(tc.in)
			value := strings.ReplaceAll(tc.value, "TOKEN", token)
			got, err := Set(in, tc.key, value)
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if want := string(fixture(tc.want)); string(got) != want {
				t.Errorf("Set =\n%s\nwant\n%s", got, want)
			}
			if !bytes.Equal(in, fixture(tc.in)) {
				t.Error("Set modified its input")
			}
			if v, err := Get(got, tc.key); err != nil || !strings.Contains(value, strings.Trim(v, `"'`)) {
				t.Errorf("Get after Set = %q, %v", v, err)
			}
		})
	}
}

// A refused edit returns an error naming the key and leaves data as it was.
func TestSetRefused(t *testing.T) {
	for _, tc := range []struct {
		in, key, value string
		kind           error
		want           string // error text; "" = don't check
	}{
		{sample, "farm.lease", "banana", ErrBadValue, `config.toml:9: farm.lease: "banana" is not a duration (like "60s")`},
		{sample, "farm.lease", "90", ErrBadValue, `config.toml:9: farm.lease: 90 is not a duration (like "60s")`},
		{sample, "farm.lease", "5s", ErrBadValue, `config.toml:9: farm.lease: must be at least twice farm.heartbeat (2 × 15s = 30s), or leases lapse between heartbeats; not "5s"`},
		{sample, "farm.ground_after", "-1", ErrBadValue, `config.toml:11: farm.ground_after: must be at least 1, not -1`},
		{sample, "server.listen", "nowhere", ErrBadValue, `config.toml:5: server.listen: "nowhere" is not host:port (like "127.0.0.1:8093")`},
		{sample, "farm.lease", "\"90s\"\nground_after = 1", ErrBadValue, ""}, // not one value: a string, not a new key
		{sample, "farm.lease", `"90s" # comment`, ErrBadValue, ""},
		{sample, "farm.leese", "90s", ErrUnknownKey, ""},
		{sample, "farm", "90s", ErrTable, "farm: is a table; set one of its keys"},
		{sample, "drones.x", "{}", ErrTable, ""},
		{sample, "farm..lease", "90s", ErrUnknownKey, ""},
		{sample, "drones.x.cores", "4", ErrBadValue, `config.toml:12: drones.x.token_sha256: must be the 64 lowercase hex digits of the token's SHA-256`},
		{sample, "drones.bad.id.token_sha256", `"TOKEN"`, ErrUnknownKey, ""},
		{"[farm\n", "farm.lease", "90s", ErrSyntax, "config.toml:1: expected ']' to close table name"},
		{"[farm]\nlease = \"banana\"\n[server]\nlisten = \"x\"\n", "farm.lease", "90s", ErrBadValue, ""}, // still broken elsewhere
	} {
		in := fixture(tc.in)
		out, err := Set(in, tc.key, strings.ReplaceAll(tc.value, "TOKEN", token))
		if !errors.Is(err, tc.kind) {
			t.Errorf("Set(%s, %q) = %v, want %v", tc.key, tc.value, err, tc.kind)
		}
		if tc.want != "" && (err == nil || err.Error() != tc.want) {
			t.Errorf("Set(%s, %q) error\n got %v\nwant %s", tc.key, tc.value, err, tc.want)
		}
		if out != nil || !bytes.Equal(in, fixture(tc.in)) {
			t.Errorf("Set(%s, %q) returned data or changed its input", tc.key, tc.value)
		}
	}
}

func TestDelete(t *testing.T) {
	two := "# farm\n[farm]\nlease = \"90s\"\n\n# first drone\n[drones.a]\n# a's token\ntoken_sha256 = \"TOKEN\"\ncores = 4\n\n" +
		"# second drone\n[drones.b]\ntoken_sha256 = \"TOKEN\"\n# trailing words\n"
	for _, tc := range []struct{ name, in, key, want string }{
		{"table in the middle", two, "drones.a",
			"# farm\n[farm]\nlease = \"90s\"\n\n# second drone\n[drones.b]\ntoken_sha256 = \"TOKEN\"\n# trailing words\n"},
		{"last table", two, "drones.b",
			"# farm\n[farm]\nlease = \"90s\"\n\n# first drone\n[drones.a]\n# a's token\ntoken_sha256 = \"TOKEN\"\ncores = 4\n# trailing words\n"},
		{"comment under a key stays", "[farm]\nlease = \"90s\"\n# about lease\n[drones.a]\ntoken_sha256 = \"TOKEN\"\n", "drones.a",
			"[farm]\nlease = \"90s\"\n# about lease\n"},
		{"comment block at the start of the file", "# drone a\n[drones.a]\ntoken_sha256 = \"TOKEN\"\n\n[farm]\n", "drones.a", "[farm]\n"},
		{"first table", "[drones.a]\ntoken_sha256 = \"TOKEN\"\n\n[farm]\n", "drones.a", "[farm]\n"},
		{"one key", two, "drones.a.cores",
			strings.Replace(two, "cores = 4\n", "", 1)},
		{"dotted keys elsewhere", "[drones]\na.token_sha256 = \"TOKEN\"\nb.token_sha256 = \"TOKEN\"\n", "drones.a",
			"[drones]\nb.token_sha256 = \"TOKEN\"\n"},
		{"all drones", two, "drones",
			"# farm\n[farm]\nlease = \"90s\"\n# trailing words\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Delete(fixture(tc.in), tc.key)
			if err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if want := string(fixture(tc.want)); string(got) != want {
				t.Errorf("Delete =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestDeleteUndoesSet(t *testing.T) {
	for _, in := range [][]byte{[]byte(sample), Template(), fixture("[drones.a]\ntoken_sha256 = \"TOKEN\"")} {
		added, err := Set(in, "drones.new.token_sha256", `"`+token+`"`)
		if err != nil {
			t.Fatal(err)
		}
		if added, err = Set(added, "drones.new.capabilities", `["arm64"]`); err != nil {
			t.Fatal(err)
		}
		got, err := Delete(added, "drones.new")
		if err != nil {
			t.Fatal(err)
		}
		want := in
		if !bytes.HasSuffix(in, []byte("\n")) {
			want = append(append([]byte(nil), in...), '\n')
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Delete(Set(x)) =\n%s\nwant\n%s", got, want)
		}
	}
}

func TestDeleteRefused(t *testing.T) {
	in := fixture("[farm]\nlease = \"90s\"\n[drones.a]\ntoken_sha256 = \"TOKEN\"\n")
	for key, kind := range map[string]error{
		"drones.zz":             ErrUnknownKey,
		"remotes":               ErrUnknownKey,
		"":                      ErrUnknownKey,
		"farm.heartbeat":        ErrUnknownKey, // not in the file
		"drones.a.token_sha256": ErrBadValue,   // the drone would have no token
	} {
		out, err := Delete(in, key)
		if !errors.Is(err, kind) || out != nil {
			t.Errorf("Delete(%q) = %q, %v; want %v", key, out, err, kind)
		}
	}
}
