package portage

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFailureSignatureRealOutput classifies real emerge output from
// testdata/ (see its SOURCES.md) and the repository's own slot-conflict
// sample: the failures get their names, the ordinary package lists none.
func TestFailureSignatureRealOutput(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"emerge-pretend/gentoo-user-2014-libpng-slot-conflict.txt", SigSlotConflict},
		{"emerge-pretend/emlop-emerge-p.blocker.out.txt", SigBlocker},
		{"emerge-pretend/emlop-emerge-p.kde.out.txt", ""},
		{"emerge-pretend/emlop-emerge-p.qt.out.txt", ""},
		{"emerge-pretend/emlop-emerge-p.bin.out.txt", ""},
		{"emerge-pretend/emlop-emerge-pv.basic.out.txt", ""},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			data, err := os.ReadFile(dataFile(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := FailureSignature(data); got != tt.want {
				t.Errorf("FailureSignature = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("eventmix slot-conflict.txt", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("..", "internal", "eventmix", "slot-conflict.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got := FailureSignature(data); got != SigSlotConflict {
			t.Errorf("FailureSignature = %q, want %q", got, SigSlotConflict)
		}
	})
}

// TestFailureSignatureLines covers the one-line markers emerge, portage's
// die() and the compilers print, in the forms seen in real build logs.
func TestFailureSignatureLines(t *testing.T) {
	tests := []struct {
		name, tail, want string
	}{
		{"empty", "", ""},
		{"plain exit", "make: *** [Makefile:12: all] Error 2\n", ""},
		{"compile phase", " * ERROR: dev-lang/go-1.3.3::gentoo failed (compile phase):\n *   build failed\n", "compile-phase"},
		{"configure phase", " * ERROR: net-misc/wget-1.18::gentoo_prefix failed (configure phase):\n", "configure-phase"},
		{"install phase", " * ERROR: app-misc/foo-1.0-r1::gentoo failed (install phase):\n", "install-phase"},
		{"coloured die line", " \x1b[31;01m*\x1b[0m ERROR: dev-libs/boost-1.83.0-r2::gentoo failed (compile phase):  \n", "compile-phase"},
		{"last phase wins", " * ERROR: a/b-1::gentoo failed (unpack phase):\n * ERROR: c/d-2::gentoo failed (test phase):\n", "test-phase"},
		{"unknown phase", " * ERROR: a/b-1::gentoo failed (dance phase):\n", ""},
		{"fetch phase", " * ERROR: a/b-1::gentoo failed (fetch phase):\n", SigFetchFailed},
		{"fetch failed", "!!! Fetch failed for sys-libs/ncurses-5.4-r5, continuing...\n", SigFetchFailed},
		{"some fetch errors", "!!! Some fetch errors were encountered.  Please see above for details.\n", SigFetchFailed},
		{"no ebuild", "\nemerge: there are no ebuilds to satisfy \"=sys-devel/llvm-99\".\n", SigNoEbuild},
		{"no ebuild with USE", "emerge: there are no ebuilds built with USE flags to satisfy \"x11-libs/gtk+[X]\".\n", SigNoEbuild},
		{"gcc killed", "x86_64-pc-linux-gnu-g++: fatal error: Killed signal terminated program cc1plus\n * ERROR: www-client/chromium-120::gentoo failed (compile phase):\n", SigOOM},
		{"virtual memory", "virtual memory exhausted: Cannot allocate memory\n", SigOOM},
		{"rust oom", "LLVM ERROR: out of memory\n", SigOOM},
		{"hard blocker line", "[blocks B      ] <app-antivirus/clamav-0.99 (\"<app-antivirus/clamav-0.99\" is hard blocking app-antivirus/clamav-0.99.2)\n", SigBlocker},
		{"blocked packages help", "For more information about Blocked Packages, please refer to the following\n", SigBlocker},
		{"blocks word in a name", "[ebuild  N    ] dev-python/blocks-1.0\n", ""},
		{"slot conflict beats blocker help", "!!! Multiple package instances within a single package slot have been pulled\n!!! into the dependency graph, resulting in a slot conflict:\nFor more information about Blocked Packages\n", SigSlotConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FailureSignature([]byte(tt.tail)); got != tt.want {
				t.Errorf("FailureSignature(%q) = %q, want %q", tt.tail, got, tt.want)
			}
		})
	}
}

// FuzzFailureSignature: any bytes classify without panicking, into a known
// name or "".
func FuzzFailureSignature(f *testing.F) {
	for _, s := range []string{
		"", " * ERROR: a/b-1::gentoo failed (compile phase):", "failed (fetch phase)",
		"!!! Multiple package instances within a single package slot have been pulled",
		"[blocks B      ] x", "\x1b[31m[blocks b ]", "emerge: there are no ebuilds to satisfy",
		"ERROR: x failed (phase)", "\x1b[", "Killed signal terminated program",
	} {
		f.Add([]byte(s))
	}
	known := FailureSignatures()
	f.Fuzz(func(t *testing.T, tail []byte) {
		got := FailureSignature(tail)
		if got != "" && !slices.Contains(known, got) {
			t.Fatalf("FailureSignature(%q) = %q, not a known signature", tail, got)
		}
	})
}
