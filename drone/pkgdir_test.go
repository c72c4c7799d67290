package drone

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAgentBuildEnvPkgDir: each build runs with a PKGDIR of its own, empty
// at the start, beside its log, removed once the build is reported; and
// with the farm's binhost as PORTAGE_BINHOST.
func TestAgentBuildEnvPkgDir(t *testing.T) {
	f := newFake(t, "sh", "-c", `echo "PKGDIR=$PKGDIR"; echo "files=$(ls -A "$PKGDIR" | wc -l)"; echo "BINHOST=$PORTAGE_BINHOST"; touch "$PKGDIR/leftover"`, "{atom}")
	f.enqueue("dev-libs/a-1")
	r := startAgent(t, f, 1, nil)
	waitFor(t, "the completion", func() bool {
		var n int
		f.with(func(f *fakeOrchestrator) { n = len(f.completes) })
		return n == 1
	})
	log, err := os.ReadFile(filepath.Join(r.logDir, "dev-libs_a-1.1.log"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(r.logDir, "dev-libs_a-1.1.pkgdir")
	for _, want := range []string{"PKGDIR=" + dir + "\n", "files=0\n", "BINHOST=" + f.srv.URL + "/binhost\n"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("build log lacks %q:\n%s", want, log)
		}
	}
	waitFor(t, "the PKGDIR removed", func() bool {
		_, err := os.Stat(dir)
		return os.IsNotExist(err)
	})
}
