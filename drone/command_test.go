package drone

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestExpandCommand(t *testing.T) {
	tests := []struct {
		name     string
		template []string
		atom     string
		want     []string
	}{
		{"default emerge", []string{"emerge", "--oneshot", "--buildpkg", "--usepkg", "--getbinpkg", "={atom}"},
			"sys-devel/llvm-19.1.7", []string{"emerge", "--oneshot", "--buildpkg", "--usepkg", "--getbinpkg", "=sys-devel/llvm-19.1.7"}},
		{"bare placeholder", []string{"build", "{atom}"}, "dev-lang/perl-5.24.0-r1", []string{"build", "dev-lang/perl-5.24.0-r1"}},
		{"twice in one argument", []string{"echo", "{atom}:{atom}"}, "a/b-1", []string{"echo", "a/b-1:a/b-1"}},
		{"no placeholder", []string{"true"}, "a/b-1", []string{"true"}},
		{"spaces and shell text stay one argument", []string{"emerge", "={atom}"},
			"a/b-1 --retry-after-fix; rm -rf /", []string{"emerge", "=a/b-1 --retry-after-fix; rm -rf /"}},
		{"slot and repo", []string{"emerge", "={atom}"}, "dev-qt/qtcore-5.9.4-r2:5::gentoo", []string{"emerge", "=dev-qt/qtcore-5.9.4-r2:5::gentoo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := slices.Clone(tt.template)
			got, err := ExpandCommand(tt.template, tt.atom)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ExpandCommand = %q, want %q", got, tt.want)
			}
			if !slices.Equal(tt.template, tmpl) {
				t.Errorf("the template changed: %q", tt.template)
			}
		})
	}
}

// TestExpandCommandSameEveryAttempt: expanding never accumulates: the
// argv of the fifth attempt is the first's (the --retry-after-fix incident).
func TestExpandCommandSameEveryAttempt(t *testing.T) {
	tmpl := []string{"emerge", "--oneshot", "={atom}"}
	first, _ := ExpandCommand(tmpl, "a/b-1")
	for range 4 {
		again, _ := ExpandCommand(tmpl, "a/b-1")
		if !slices.Equal(first, again) {
			t.Fatalf("attempt argv %q differs from the first %q", again, first)
		}
	}
}

func TestExpandCommandEmpty(t *testing.T) {
	for _, tmpl := range [][]string{nil, {}, {""}} {
		if _, err := ExpandCommand(tmpl, "a/b-1"); !errors.Is(err, ErrBadCommand) {
			t.Errorf("ExpandCommand(%q) error = %v, want ErrBadCommand", tmpl, err)
		}
	}
}

func TestLogName(t *testing.T) {
	tests := []struct {
		atom  string
		fence uint64
		want  string
	}{
		{"sys-devel/llvm-19.1.7", 42, "sys-devel_llvm-19.1.7.42.log"},
		{"dev-qt/qtcore-5.9.4-r2:5::gentoo", 1, "dev-qt_qtcore-5.9.4-r2_5__gentoo.1.log"},
		{"x11-libs/gtk+-3.24", 7, "x11-libs_gtk+-3.24.7.log"},
		{"../../etc/passwd", 3, "_.._etc_passwd.3.log"},
		{"", 0, "_.0.log"},
		{"a/b c\nd", 9, "a_b_c_d.9.log"},
	}
	for _, tt := range tests {
		got := logName(tt.atom, tt.fence)
		if got != tt.want {
			t.Errorf("logName(%q, %d) = %q, want %q", tt.atom, tt.fence, got, tt.want)
		}
		if strings.ContainsAny(got, "/\\") || strings.HasPrefix(got, ".") {
			t.Errorf("logName(%q) = %q is not a plain file name", tt.atom, got)
		}
	}
}

func TestExcerpt(t *testing.T) {
	var many strings.Builder
	for i := range 100 {
		many.WriteString("line " + strings.Repeat("x", i%3) + "\n")
	}
	long := strings.Repeat("y", 5000) + "\nlast\n"
	tests := []struct {
		name, in string
		lines    int
		suffix   string
	}{
		{"short", "a\nb\n", 2, "a\nb"},
		{"forty lines at most", many.String(), 40, "line x\nline xx\nline "},
		{"byte limit cuts at a line", long, 1, "last"},
		{"one huge line is kept, cut", strings.Repeat("z", 5000), 1, "zzz"},
		{"invalid UTF-8 made valid", "ok \xff\n", 1, "ok \uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := excerpt([]byte(tt.in))
			if n := strings.Count(got, "\n") + 1; n != tt.lines {
				t.Errorf("%d lines, want %d: %q", n, tt.lines, got)
			}
			if !strings.HasSuffix(got, tt.suffix) {
				t.Errorf("excerpt ends %q, want suffix %q", got[max(0, len(got)-20):], tt.suffix)
			}
			if len(got) > excerptMaxBytes+3 {
				t.Errorf("excerpt is %d bytes", len(got))
			}
		})
	}
}
