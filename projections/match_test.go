package projections

import "testing"

func TestMatchPattern(t *testing.T) {
	cases := []struct {
		pattern, atom string
		want          bool
	}{
		{"sys-devel/llvm", "sys-devel/llvm-19.1.7", true},
		{"sys-devel/llvm", "=sys-devel/llvm-19.1.7:19::gentoo", true},
		{"sys-devel/llvm", "sys-devel/llvm-common-19.1.7", false},
		{"sys-devel/*", "sys-devel/gcc-14.2.1_p20241221", true},
		{"sys-devel/*", "dev-lang/perl-5.40.0-r1", false},
		{"dev-lang/perl-5.40.0-r1", "=dev-lang/perl-5.40.0-r1", true},
		{"=dev-lang/perl-5.40.0-r1", "dev-lang/perl-5.40.0-r1", true},
		{"dev-lang/perl-5.*", "dev-lang/perl-5.40.0-r1", true},
		{"dev-lang/perl-5.38*", "dev-lang/perl-5.40.0-r1", false},
		{"*/*-bin", "www-client/firefox-bin-134.0", true},
		{"media-fonts/font-adobe-100dpi", "media-fonts/font-adobe-100dpi-1.0.4", true},
		{"app-misc/foo", "app-misc/foo-1.0_alpha2_pre3-r12", true},
		{"app-misc/foo-1", "app-misc/foo-1-2.0", true},
		{"", "app-misc/foo-1.0", false},
		{"[", "app-misc/foo-1.0", false},
	}
	for _, c := range cases {
		if got := MatchPattern(c.pattern, c.atom); got != c.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", c.pattern, c.atom, got, c.want)
		}
	}
}

func TestPackageName(t *testing.T) {
	cases := map[string]string{
		"sys-devel/llvm-19.1.7":               "sys-devel/llvm",
		"dev-lang/perl-5.40.0-r1":             "dev-lang/perl",
		"media-fonts/font-adobe-100dpi-1.0.4": "media-fonts/font-adobe-100dpi",
		"dev-libs/libfoo-2.0b_rc1":            "dev-libs/libfoo",
		"sys-devel/llvm":                      "sys-devel/llvm",
		"x11-libs/gtk+-3.24.43":               "x11-libs/gtk+",
		"dev-qt/qt6-base-6.8.1":               "dev-qt/qt6-base",
	}
	for atom, want := range cases {
		if got := packageName(atom); got != want {
			t.Errorf("packageName(%q) = %q, want %q", atom, got, want)
		}
	}
}
