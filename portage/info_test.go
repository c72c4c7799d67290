package portage

import (
	"errors"
	"maps"
	"os"
	"strings"
	"testing"
)

// realInfo is real `emerge --info` output (testdata/emerge-info/SOURCES.md).
func realInfo(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/emerge-info/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestParseInfoReal reads every setting from real portage output, the
// USE_EXPAND variables on the USE line included.
func TestParseInfoReal(t *testing.T) {
	want := Settings{"profile": "default/linux/amd64/farm", "CHOST": "x86_64-pc-linux-gnu",
		"CFLAGS": "-O2 -pipe", "CXXFLAGS": "-O2 -pipe", "LDFLAGS": "-Wl,-O1 -Wl,--as-needed",
		"USE": "amd64 ssl", "ABI": "amd64", "DEFAULT_ABI": "amd64", "MULTILIB_ABIS": "amd64 x86", "ABI_X86": "64"}
	got, err := ParseInfo(realInfo(t, "info.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("emerge --info:\n got %v\nwant %v", got, want)
	}
	got, err = ParseInfo(realInfo(t, "portageq-envvar.txt"))
	if err != nil {
		t.Fatal(err)
	}
	delete(want, "profile")
	want["USE"] = "abi_x86_64 amd64 elibc_glibc kernel_linux python_targets_python3_12 ssl"
	if !maps.Equal(got, want) {
		t.Errorf("portageq envvar -v:\n got %v\nwant %v", got, want)
	}
}

func TestParseInfoTable(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Settings
	}{
		{"header profile", "Portage 3.0.66.1 (python 3.12.8-final-0, default/linux/amd64/23.0/desktop, gcc-14, glibc-2.40-r5, 6.12.8-gentoo x86_64)\nCHOST=\"x86_64-pc-linux-gnu\"\n",
			Settings{"profile": "default/linux/amd64/23.0/desktop", "CHOST": "x86_64-pc-linux-gnu"}},
		{"profile unavailable", "Portage 3.0.83 (python 3.11.7-final-0, unavailable, gcc-12, unavailable, 6.1 x86_64)\nCFLAGS=\"-O2\"\n",
			Settings{"CFLAGS": "-O2"}},
		{"USE line with USE_EXPAND", `USE="X acl  amd64" ABI_X86="64 32" CPU_FLAGS_X86="sse2" ELIBC="glibc"` + "\n",
			Settings{"USE": "X acl amd64", "ABI_X86": "32 64"}},
		{"quote inside a value", `CFLAGS="-O2 -DNAME="x" -pipe"` + "\nCHOST=\"a\"\n",
			Settings{"CFLAGS": `-O2 -DNAME="x" -pipe`, "CHOST": "a"}},
		{"shell quoting", `CFLAGS='-O2 -D'"'"'q'"'"''` + "\nABI=amd64\n", Settings{"CFLAGS": "-O2 -D'q'", "ABI": "amd64"}},
		{"empty value", "LDFLAGS=\"\"\nCHOST=\"x\"\n", Settings{"LDFLAGS": "", "CHOST": "x"}},
		{"indented and other lines skipped", "    location: /var/db/repos/gentoo\nUnset:  CTARGET, LANG\nMAKEOPTS=\"-j8\"\nCHOST=\"x\"\n",
			Settings{"CHOST": "x"}},
		{"CRLF", "CHOST=\"x\"\r\nUSE=\"b a\"\r\n", Settings{"CHOST": "x", "USE": "a b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInfo(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseInfoRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"empty":           "",
		"other output":    "emerge: command not found\n",
		"no setting":      "MAKEOPTS=\"-j8\"\nFEATURES=\"sandbox\"\n",
		"huge":            strings.Repeat("x", MaxInfoBytes+1),
		"setting too big": "USE=\"" + strings.Repeat("a ", MaxSettingBytes) + "\"\n",
	} {
		if s, err := ParseInfo(in); !errors.Is(err, ErrBadInfo) {
			t.Errorf("%s: got %v, %v; want ErrBadInfo", name, s, err)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := Settings{"CFLAGS": "-O2 -pipe", "USE": "a b"}
	b := SettingsFromPairs(a.Pairs())
	if !maps.Equal(a, b) || a.Fingerprint() != b.Fingerprint() || len(a.Fingerprint()) != 12 {
		t.Fatalf("round trip: %v %v %q %q", a, b, a.Fingerprint(), b.Fingerprint())
	}
	b["CFLAGS"] = "-O2 -march=native"
	if a.Fingerprint() == b.Fingerprint() {
		t.Errorf("different CFLAGS, same fingerprint %q", a.Fingerprint())
	}
	if (Settings{}).Fingerprint() != "" {
		t.Error("no settings must have no fingerprint")
	}
}

// FuzzParseInfo: never panics; what it accepts has only known keys with
// normalised values that survive Pairs and a second Normalize unchanged,
// and bounded sizes.
func FuzzParseInfo(f *testing.F) {
	f.Add(realInfo(f, "info.txt"))
	f.Add(realInfo(f, "portageq-envvar.txt"))
	for _, s := range []string{`USE="a" ABI_X86="64"`, `CFLAGS="-O2 "x" -pipe"`, `CFLAGS='a'"'"'b'`, "Portage 1 (p, x/y, g)", `A="`, `CHOST=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseInfo(in)
		if err != nil {
			if !errors.Is(err, ErrBadInfo) {
				t.Fatalf("error %v is not ErrBadInfo", err)
			}
			return
		}
		if len(s) == 0 {
			t.Fatal("accepted with no settings")
		}
		for k, v := range s {
			if !containsKey(k) {
				t.Fatalf("unknown key %q", k)
			}
			if k != "profile" && Normalize(k, v) != v {
				t.Fatalf("%s=%q is not normalised", k, v)
			}
		}
		if back := SettingsFromPairs(s.Pairs()); !maps.Equal(back, s) {
			t.Fatalf("pairs round trip: %v != %v", back, s)
		}
	})
}

func containsKey(k string) bool {
	for _, x := range SettingKeys {
		if x == k {
			return true
		}
	}
	return false
}
