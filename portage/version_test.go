package portage

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want Version
	}{
		{"1", Version{Numbers: []string{"1"}}},
		{"19.1.7", Version{Numbers: []string{"19", "1", "7"}}},
		{"0_p20151008", Version{Numbers: []string{"0"}, Suffixes: []Suffix{{P, "20151008"}}}},
		{"1.0a", Version{Numbers: []string{"1", "0"}, Letter: "a"}},
		{"5.24.0-r1", Version{Numbers: []string{"5", "24", "0"}, Revision: "1"}},
		{"1.0-r0", Version{Numbers: []string{"1", "0"}, Revision: "0"}},
		{"60.5.2_p0-r3", Version{Numbers: []string{"60", "5", "2"}, Suffixes: []Suffix{{P, "0"}}, Revision: "3"}},
		{"1.2.3b_rc1_p2-r1", Version{
			Numbers: []string{"1", "2", "3"}, Letter: "b",
			Suffixes: []Suffix{{RC, "1"}, {P, "2"}}, Revision: "1",
		}},
		{"1_alpha_beta_pre_rc_p", Version{
			Numbers:  []string{"1"},
			Suffixes: []Suffix{{Alpha, ""}, {Beta, ""}, {Pre, ""}, {RC, ""}, {P, ""}},
		}},
		{"1.000.2", Version{Numbers: []string{"1", "000", "2"}}},
		{"007", Version{Numbers: []string{"007"}}},
		{"123456789012345678901234567890", Version{Numbers: []string{"123456789012345678901234567890"}}},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseVersion(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseVersion(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseVersionErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `version "": empty`},
		{"1.2_foo", `version "1.2_foo": unknown suffix "_foo"`},
		{"1.2_", `version "1.2_": empty suffix "_"`},
		{"1.2_P1", `version "1.2_P1": unknown suffix "_P1"`},
		{"a1", `does not start with a digit`},
		{".1", `does not start with a digit`},
		{"1.", `empty numeric component after "1."`},
		{"1..2", `empty numeric component after "1."`},
		{"1.0ab", `unexpected "b" after "1.0a"`},
		{"1.0A", `unexpected "A" after "1.0"`},
		{"1.0-r", `revision "-r" is not -r followed by digits`},
		{"1.0-r1a", `revision "-r1a" is not -r followed by digits`},
		{"1.0-1", `unexpected "-1" after "1.0"`},
		{"1.0_rc1a", `unexpected "a" after "1.0_rc1"`},
		{"1.0-r1_p1", `revision "-r1_p1"`},
		{"1.0_p1.2", `unexpected ".2" after "1.0_p1"`},
		{"1.0a_p1b", `unexpected "b" after "1.0a_p1"`},
		{" 1.0", `does not start with a digit`},
		{"1.0*", `unexpected "*" after "1.0"`},
	}
	for _, tt := range tests {
		_, err := ParseVersion(tt.in)
		if err == nil {
			t.Errorf("ParseVersion(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		if !errors.Is(err, ErrBadVersion) {
			t.Errorf("ParseVersion(%q): %v does not match ErrBadVersion", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseVersion(%q): %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestSuffixKindString(t *testing.T) {
	for k, want := range map[SuffixKind]string{Alpha: "alpha", Beta: "beta", Pre: "pre", RC: "rc", P: "p", 0: "SuffixKind(0)", 9: "SuffixKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("SuffixKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
