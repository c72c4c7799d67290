package termsafe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"build-01", "build-01"},
		{"sys-devel/llvm-19.1.7", "sys-devel/llvm-19.1.7"},
		{"emerge exited 1: \"quoted\" and \\ kept", "emerge exited 1: \"quoted\" and \\ kept"},
		{"héllo wörld · 98.2% ✓ 日本", "héllo wörld · 98.2% ✓ 日本"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;pwned\x07title", `\x1b]0;pwned\atitle`},
		{"two\nlines", `two\nlines`},
		{"tab\there", `tab\there`},
		{"over\rwrite", `over\rwrite`},
		{"bell\a back\b nul\x00 del\x7f", `bell\a back\b nul\x00 del\x7f`},
		{"c1 \u009b31m csi", `c1 \u009b31m csi`},
		{"raw byte \x9b31m", `raw byte \x9b31m`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"nb\u00a0sp", `nb\u00a0sp`},
		{"replacement \uFFFD kept", "replacement \uFFFD kept"},
		{"\x1b", `\x1b`},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBlock(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"line one\n\tindented\nline three\n", "line one\n\tindented\nline three\n"},
		// Real portage colours: ">>> Emerging" and " * ERROR" lines.
		{"\x1b[32;01m>>>\x1b[0m Emerging (1 of 1)\n \x1b[31;01m*\x1b[0m ERROR: dev-libs/foo-1::gentoo failed (compile phase):\n",
			">>> Emerging (1 of 1)\n * ERROR: dev-libs/foo-1::gentoo failed (compile phase):\n"},
		{"make: *** [Makefile:12] Error 1\x1b[K\r\n", "make: *** [Makefile:12] Error 1\n"},
		{"cursor\x1b[2J\x1b[H home", "cursor home"},
		{"progress 10%\rprogress 20%", `progress 10%\rprogress 20%`},
		{"osc \x1b]52;c;aGk=\x07 clipboard", `osc \x1b]52;c;aGk=\a clipboard`},
		{"lone esc \x1b at end \x1b", `lone esc \x1b at end \x1b`},
		{"cut csi \x1b[31", `cut csi \x1b[31`},
		{"esc not csi \x1bM", `esc not csi \x1bM`},
		{"c1 \u009b31m and raw \x9b", `c1 \u009b31m and raw \x9b`},
		{"nul\x00\nnext", "nul\\x00\nnext"},
	}
	for _, tt := range tests {
		if got := Block(tt.in); got != tt.want {
			t.Errorf("Block(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCleanTextUnchanged: text with nothing to escape comes back as it is
// (the common case: no copy).
func TestCleanTextUnchanged(t *testing.T) {
	for _, s := range []string{"", "a b", "sys-devel/gcc-14.2.1_p20241221:14", "ünïcødé ✓"} {
		if Line(s) != s || Block(s) != s {
			t.Errorf("%q changed: Line %q, Block %q", s, Line(s), Block(s))
		}
	}
	if got := Block("a\n\tb"); got != "a\n\tb" {
		t.Errorf("Block kept no newline or tab: %q", got)
	}
}

// checkPrintable fails if out holds a byte or rune a terminal could take
// for an instruction; allow lists the controls that may stay.
func checkPrintable(t *testing.T, in, out, allow string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%q → %q: not UTF-8", in, out)
	}
	for _, r := range out {
		if r != ' ' && !unicode.IsPrint(r) && !strings.ContainsRune(allow, r) {
			t.Fatalf("%q → %q: holds %U", in, out, r)
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31mred\x1b[0m", "a\nb\tc\r", "\u009b\u202e\xff", "\x1b]0;t\x07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		checkPrintable(t, s, out, "")
		if clean(s, false) && out != s {
			t.Fatalf("clean %q changed to %q", s, out)
		}
	})
}

func FuzzBlock(f *testing.F) {
	for _, s := range []string{"plain\n", "\x1b[32;01m>>>\x1b[0m x\r\n", "\x1b[", "\x1b[31", "\u009b\xff\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Block(s)
		checkPrintable(t, s, out, "\n\t")
		if strings.Count(out, "\n") != strings.Count(s, "\n") {
			t.Fatalf("%q → %q: lines changed", s, out)
		}
	})
}
