package drone

import (
	"slices"
	"testing"
)

func TestOwnPackages(t *testing.T) {
	files := func(names ...string) []pkgFile {
		var out []pkgFile
		for _, n := range names {
			out = append(out, pkgFile{name: n})
		}
		return out
	}
	names := func(fs []pkgFile) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.name)
		}
		return out
	}
	for _, c := range []struct {
		atom        string
		in          []string
		own, others []string
	}{
		{"app-misc/greeter-2.1",
			[]string{"app-misc/greeter/greeter-2.1-1.gpkg.tar", "app-misc/hello/hello-1.0-3.gpkg.tar"},
			[]string{"app-misc/greeter/greeter-2.1-1.gpkg.tar"}, []string{"app-misc/hello/hello-1.0-3.gpkg.tar"}},
		{"=app-misc/greeter-2.1::farm", []string{"app-misc/greeter-2.1.gpkg.tar"}, []string{"app-misc/greeter-2.1.gpkg.tar"}, nil},
		// A slot is no part of the file's name.
		{"app-misc/greeter-0.3:2", []string{"app-misc/greeter/greeter-0.3-1.gpkg.tar"},
			[]string{"app-misc/greeter/greeter-0.3-1.gpkg.tar"}, nil},
		{"=dev-qt/qtcore-5.9.4:5/5.9::gentoo", []string{"dev-qt/qtcore/qtcore-5.9.4-2.gpkg.tar"},
			[]string{"dev-qt/qtcore/qtcore-5.9.4-2.gpkg.tar"}, nil},
		{"app-misc/greeter-2.1",
			[]string{"app-misc/greeter/greeter-2.1-r1-1.gpkg.tar", "app-misc/greeter/greeter-2.10-1.gpkg.tar",
				"app-misc/greeter/greeter-2.1-x.gpkg.tar", "dev-libs/greeter/greeter-2.1-1.gpkg.tar",
				"app-misc/greeter/x/greeter-2.1-1.gpkg.tar", "app-misc/greeter/greeter-2.1-.gpkg.tar"},
			nil, []string{"app-misc/greeter/greeter-2.1-r1-1.gpkg.tar", "app-misc/greeter/greeter-2.10-1.gpkg.tar",
				"app-misc/greeter/greeter-2.1-x.gpkg.tar", "dev-libs/greeter/greeter-2.1-1.gpkg.tar",
				"app-misc/greeter/x/greeter-2.1-1.gpkg.tar", "app-misc/greeter/greeter-2.1-.gpkg.tar"}},
	} {
		own, others := ownPackages(c.atom, files(c.in...))
		if !slices.Equal(names(own), c.own) || !slices.Equal(names(others), c.others) {
			t.Errorf("ownPackages(%q, %v) = %v, %v; want %v, %v", c.atom, c.in, names(own), names(others), c.own, c.others)
		}
	}
}

// TestAgentUploadsOwnPackageOnly: a dependency's package in the build's
// PKGDIR (emerge --getbinpkg stores what it fetches from PORTAGE_BINHOST
// there) is not uploaded under the claim; the build's own is, and the
// build completes.
func TestAgentUploadsOwnPackageOnly(t *testing.T) {
	f := newFake(t, "sh", "-c", `mkdir -p "$PKGDIR/app-misc/hello" "$PKGDIR/app-misc/greeter" && `+
		`echo dep >"$PKGDIR/app-misc/hello/hello-1.0-3.gpkg.tar" && echo own >"$PKGDIR/app-misc/greeter/greeter-2.1-1.gpkg.tar"`, "{atom}")
	f.enqueue("app-misc/greeter-2.1")
	startAgent(t, f, 1, nil)
	waitFor(t, "the completion", completes(f))
	f.with(func(f *fakeOrchestrator) {
		if len(f.uploads) != 1 || f.uploads[0].query["name"] != "app-misc/greeter/greeter-2.1-1.gpkg.tar" {
			t.Errorf("uploads = %+v, want greeter's package alone", f.uploads)
		}
	})
}
