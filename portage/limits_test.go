package portage

import (
	"errors"
	"strings"
	"testing"
)

// TestLengthLimits checks the NAME_MAX-derived limits at and just past
// each boundary, for packages (what swarm queues) and dependency atoms.
func TestLengthLimits(t *testing.T) {
	// cat/name-1: len(cat) + len(name) + 2 = MaxCategoryPF at the limit.
	name := func(cat string, extra int) string {
		return strings.Repeat("n", MaxCategoryPF-len(cat)-2+extra)
	}
	long := strings.Repeat("x", NameMax+1)
	tests := []struct {
		in   string
		want string // "" = accepted
	}{
		{"dev-libs/" + name("dev-libs", 0) + "-1", ""},
		{"dev-libs/" + name("dev-libs", 1) + "-1", "235 bytes together, more than 234"},
		{"=dev-libs/" + name("dev-libs", 0) + "-1-r1", "237 bytes together"},
		{"dev-libs/foo-1." + strings.Repeat("1", 300), "more than 234"},
		{strings.Repeat("c", 200) + "/foo-1", ""},
		{strings.Repeat("c", 232) + "/f-1", "235 bytes together"},
		{"dev-libs/foo-1:" + strings.Repeat("s", NameMax), ""},
		{"dev-libs/foo-1:" + long, "slot is 256 bytes"},
		{"dev-libs/foo-1:0/" + long, "sub-slot is 256 bytes"},
		{"dev-libs/foo-1::" + long, "repository name is 256 bytes"},
		{"dev-libs/foo-1" + strings.Repeat("::", 600), "1214 bytes, more than the 1024"},
	}
	for _, tt := range tests {
		_, err := ParsePackage(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ParsePackage(%.40q…): %v", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ParsePackage(%.40q…) = %v, want an error with %q", tt.in, err, tt.want)
		case err != nil && !errors.Is(err, ErrBadAtom):
			t.Errorf("ParsePackage(%.40q…) = %v, not ErrBadAtom", tt.in, err)
		}
	}
}

// TestLengthLimitsDependencyAtoms: a dependency atom without a version
// must leave room for one; USE lists are not limited (real ones pass 400).
func TestLengthLimitsDependencyAtoms(t *testing.T) {
	ok := "dev-libs/" + strings.Repeat("n", MaxCategoryPF-len("dev-libs")-2)
	if _, err := ParseAtom(ok); err != nil {
		t.Errorf("ParseAtom(at the limit): %v", err)
	}
	if _, err := ParseAtom(ok + "n"); err == nil || !strings.Contains(err.Error(), "NAME_MAX") {
		t.Errorf("ParseAtom(one past the limit) = %v, want a NAME_MAX error", err)
	}
	use := "dev-python/foo[" + strings.Repeat("python_targets_python3_12(-)?,", 40) + "x]"
	if _, err := ParseAtom(use); err != nil {
		t.Errorf("ParseAtom(long USE list): %v", err)
	}
}

// TestLongAtomErrorIsShort: the error for a huge atom is one short line.
func TestLongAtomErrorIsShort(t *testing.T) {
	in := "dev-libs/" + strings.Repeat("a", 100000) + "-1"
	_, err := ParsePackage(in)
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	if len(msg) > 300 || strings.Contains(msg, "\n") || !strings.Contains(msg, `"dev-libs/aaa`) ||
		!strings.Contains(msg, "100011 bytes") {
		t.Errorf("error is %d bytes: %.400s", len(msg), msg)
	}
}
