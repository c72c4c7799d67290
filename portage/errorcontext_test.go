package portage

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrorContext(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("..", "e2e", "testdata", "ibus-compile-failure.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(ErrorContext(real))
	if !strings.Contains(got, " * ERROR: app-i18n/ibus-1.5.19::gentoo failed (compile phase):\n") {
		t.Errorf("context lacks the ERROR line:\n%s", got)
	}
	if !strings.HasSuffix(got, " *   emake failed\n * \n") && !strings.HasSuffix(got, "work/ibus-1.5.19'\n") {
		t.Errorf("context does not end with the ERROR block:\n%s", got)
	}
	lines := "l1\nl2\n"
	for i := range 30 {
		lines += "before " + string(rune('a'+i%26)) + "\n"
	}
	block := " * ERROR: app-misc/broken-0.1::farm failed (compile phase):\n *   compile step failed on purpose\n * \n"
	in := lines + block + "\n>>> Failed to emerge app-misc/broken-0.1\n"
	got = string(ErrorContext([]byte(in)))
	if want := strings.Join(strings.SplitAfter(lines, "\n")[12:32], "") + block; got != want {
		t.Errorf("ErrorContext =\n%q\nwant 20 lines before and the block:\n%q", got, want)
	}
	tail := strings.Repeat("x\n", 50) + "last"
	if got := ErrorContext([]byte(tail)); !bytes.Equal(got, []byte(strings.Repeat("x\n", 39)+"last\n")) {
		t.Errorf("without an ERROR block: %q, want the last 40 lines", got)
	}
}

// FuzzErrorContext: any log gives lines of itself, never more than the
// log, and an ERROR line when the log has one at a line's start.
func FuzzErrorContext(f *testing.F) {
	f.Add([]byte(" * ERROR: a/b-1::x failed (compile phase):\n * why\n"))
	f.Add([]byte("no error\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, log []byte) {
		got := ErrorContext(log)
		trimmed := bytes.TrimSuffix(got, []byte("\n"))
		if !bytes.Contains(log, trimmed) {
			t.Fatalf("ErrorContext(%q) = %q, not a part of the log", log, got)
		}
		if len(got) > len(log)+1 {
			t.Fatalf("ErrorContext grew the log: %q → %q", log, got)
		}
	})
}
