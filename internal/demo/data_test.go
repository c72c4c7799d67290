package demo

import (
	"bufio"
	"compress/gzip"
	"github.com/swarm-build/swarm/internal/shareddata"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/portage"
)

// TestPackages: the list is the real one, each line a package swarm
// accepts and queues under the same name.
func TestPackages(t *testing.T) {
	pkgs := Packages()
	if len(pkgs) != 235 {
		t.Fatalf("%d packages, want the 235 of the KDE emerge -p", len(pkgs))
	}
	seen := map[string]bool{}
	for _, s := range pkgs {
		a, err := portage.ParsePackage(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if a.Key() != s || a.CPV() != s {
			t.Errorf("%q queues as %q", s, a.Key())
		}
		if seen[s] {
			t.Errorf("%q twice", s)
		}
		seen[s] = true
	}
}

// TestMerges: one package per duration of eventmix, each a valid package.
func TestMerges(t *testing.T) {
	merges, durs := Merges(), eventmix.Durations()
	if len(merges) != len(durs) || len(merges) == 0 {
		t.Fatalf("%d merges for %d durations", len(merges), len(durs))
	}
	for _, m := range merges {
		if _, err := portage.ParsePackage(m); err != nil {
			t.Fatalf("%q: %v", m, err)
		}
	}
}

// TestRealDuration: almost every package has its own measured duration;
// the rest get one of the log's, the same one every time.
func TestRealDuration(t *testing.T) {
	durs := eventmix.Durations()
	measured := 0
	for _, p := range Packages() {
		d, ok := RealDuration(p)
		if ok {
			measured++
		} else if !slices.Contains(durs, d) {
			t.Errorf("%s: %s is not one of the log's durations", p, d)
		}
		if d2, ok2 := RealDuration(p); d2 != d || ok2 != ok {
			t.Errorf("%s: %s, then %s", p, d, d2)
		}
		if d <= 0 || d > 24*time.Hour {
			t.Errorf("%s: %s", p, d)
		}
	}
	if measured != 230 {
		t.Errorf("%d packages measured, want 230 (see SOURCES.md)", measured)
	}
	// kde-apps/marble-17.12.3 is the longest of the rebuild: 732s.
	if d, ok := RealDuration("kde-apps/marble-17.12.3"); !ok || d != 732*time.Second {
		t.Errorf("marble: %s, %v", d, ok)
	}
}

// TestDataMatchesSharedData rebuilds packages.txt and merges.txt from the
// shared data with the commands in SOURCES.md.
func TestDataMatchesSharedData(t *testing.T) {
	pretend := sharedData(t, "emerge-pretend/emlop-emerge-p.kde.out.txt")
	var want []string
	eachLine(t, pretend, func(l string) {
		if rest, ok := strings.CutPrefix(l, "[ebuild"); ok {
			_, after, _ := strings.Cut(rest, "] ")
			want = append(want, strings.Fields(after)[0])
		}
	})
	if !slices.Equal(Packages(), want) {
		t.Errorf("packages.txt differs from %s; regenerate it (SOURCES.md)", pretend)
	}

	emergeLog := sharedData(t, "emerge-log/emlop-emerge.10000.log.gz")
	started := map[string]bool{}
	want = nil
	eachLine(t, emergeLog, func(l string) {
		f := strings.Fields(l)
		switch {
		case len(f) < 3:
		case strings.Contains(l, " >>> emerge ("):
			started[f[len(f)-3]] = true
		case strings.Contains(l, " ::: completed emerge ") && started[f[len(f)-3]]:
			want = append(want, f[len(f)-3])
		}
	})
	if !slices.Equal(Merges(), want) {
		t.Errorf("merges.txt differs from %s; regenerate it (SOURCES.md)", emergeLog)
	}
}

// TestSourcesCommand runs the shell commands of SOURCES.md, so the
// documented steps stay the true ones. It needs sh, sed, awk and zcat
// (gzip), and fails naming the one that is missing.
func TestSourcesCommand(t *testing.T) {
	pretend := sharedData(t, "emerge-pretend/emlop-emerge-p.kde.out.txt")
	for _, tool := range []string{"sh", "sed", "awk", "zcat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to run the commands of SOURCES.md: install it (zcat comes with gzip): %v", tool, err)
		}
	}
	src, err := os.ReadFile("SOURCES.md")
	if err != nil {
		t.Fatal(err)
	}
	shared := filepath.Dir(filepath.Dir(pretend))
	for _, c := range []struct{ file, start string }{
		{"packages.txt", "sed -n"},
		{"merges.txt", "zcat"},
	} {
		out := filepath.Join(t.TempDir(), c.file)
		script := indentedBlock(t, string(src), c.start)
		script = strings.ReplaceAll(script, "testdata/", shared+"/")
		script = strings.ReplaceAll(script, ">internal/demo/"+c.file, ">"+out)
		if b, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, b)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("the command for %s wrote nothing: %v\n%s", c.file, err, script)
		}
		if have, _ := os.ReadFile(c.file); string(got) != string(have) {
			t.Errorf("the command in SOURCES.md does not give %s:\n%s", c.file, script)
		}
	}
}

// indentedBlock returns the code block of a Markdown list item (lines
// indented by 6 spaces) whose first line starts with start, unindented.
func indentedBlock(t *testing.T, md, start string) string {
	t.Helper()
	const indent = "      "
	var lines []string
	for l := range strings.Lines(md) {
		switch {
		case len(lines) == 0 && strings.HasPrefix(l, indent+start):
			lines = append(lines, strings.TrimPrefix(l, indent))
		case len(lines) > 0 && strings.HasPrefix(l, indent):
			lines = append(lines, strings.TrimPrefix(l, indent))
		case len(lines) > 0:
			return strings.Join(lines, "")
		}
	}
	if len(lines) == 0 {
		t.Fatalf("SOURCES.md has no command starting %q", start)
	}
	return strings.Join(lines, "")
}

// sharedData returns the path of a file of the real Gentoo data in the
// repository's testdata/ (or $SWARM_SHARED_DATA), failing the test when it
// is absent.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	return shareddata.File(t, rel)
}

// eachLine calls fn for every line of the file, gunzipping *.gz.
func eachLine(t *testing.T, path string, fn func(string)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer gz.Close()
		sc = bufio.NewScanner(gz)
	}
	for sc.Scan() {
		fn(sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}
