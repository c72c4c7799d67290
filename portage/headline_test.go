package portage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestErrorHeadline(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"blank lines", "\n  \n", ""},
		{"die block after the banner",
			"Calculating dependencies... done!\n>>> Emerging (1 of 1) app-misc/broken-1.0::test\n" +
				"make: *** [all] Error 1\n * ERROR: app-misc/broken-1.0::test failed (compile phase):\n *   emake failed\n",
			"* ERROR: app-misc/broken-1.0::test failed (compile phase):"},
		{"coloured die line",
			"\x1b[31;01m*\x1b[0m ERROR: dev-lang/go-1.3.3::gentoo failed (compile phase):\n",
			"* ERROR: dev-lang/go-1.3.3::gentoo failed (compile phase):"},
		{"fetch failure without a die block",
			"Calculating dependencies... done!\n!!! Fetch failed for foo-1.tar.gz, continuing...\n!!! Some fetch errors were encountered.  Please see above for details.\n",
			"!!! Fetch failed for foo-1.tar.gz, continuing..."},
		{"no ebuilds",
			"Calculating dependencies... done!\n\nemerge: there are no ebuilds to satisfy \"=app-misc/x-1\".\n",
			"emerge: there are no ebuilds to satisfy \"=app-misc/x-1\"."},
		{"nothing known: the last line", "banner\nsomething broke\n\n", "something broke"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorHeadline([]byte(tc.in)); got != tc.want {
				t.Errorf("ErrorHeadline = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestErrorHeadlineRealLog: on a real failed emerge's output (a drone's
// excerpt, banner first), the headline is die()'s line, not the banner.
func TestErrorHeadlineRealLog(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "e2e", "testdata", "ibus-compile-failure.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := ErrorHeadline(b)
	if !strings.HasPrefix(got, "* ERROR: ") || !strings.Contains(got, "(compile phase)") {
		t.Errorf("headline %q", got)
	}
}

func FuzzErrorHeadline(f *testing.F) {
	f.Add([]byte(" * ERROR: a/b-1::x failed (compile phase):\n"))
	f.Add([]byte("!!! x\n\x1b[31mfoo\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got := ErrorHeadline(in)
		if strings.ContainsAny(got, "\n") {
			t.Fatalf("headline %q has a newline", got)
		}
		if utf8.Valid(in) && !utf8.ValidString(got) {
			t.Fatalf("headline %q is not UTF-8", got)
		}
	})
}
