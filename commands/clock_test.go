package commands

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// clockFree are the packages whose judgments take "now" from their caller
// (one clock read per command in cmd/swarm, per request or tick in the
// orchestrator, a TickMsg in the monitor), and the files of them that may
// read the clock because they judge nothing: the store's machinery, a
// snapshot folder's hygiene, the wait for a log's folder held by another process.
var clockFree = map[string][]string{
	".":              {"store.go", "commit.go", "snapshotter.go", "logbackend.go"},
	"../projections": {"snapshot.go"},
	"../forensics":   nil,
	"../monitor":     nil,
}

// TestJudgmentsReadNoClock: no judgment calls time.Now, time.Since or
// time.Until itself, so every view judges at the one now it is given and
// a replay or a test can give any.
func TestJudgmentsReadNoClock(t *testing.T) {
	const judge = "package x\nimport \"time\"\n// time.Now() in a comment is fine\nfunc late(t time.Time) bool { return time.Since(t) > 0 }\n"
	if got := clockCalls(t, "judge.go", judge); len(got) != 1 {
		t.Fatalf("the scan finds %v in a judgment that reads the clock once", got)
	}
	for dir, allowed := range clockFree {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s (%v)", dir, err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || slices.Contains(allowed, filepath.Base(path)) {
				continue
			}
			for _, call := range clockCalls(t, path, nil) {
				t.Errorf("%s: %s reads the clock: take now from the caller", call, path)
			}
		}
	}
}

// clockCalls lists the positions of time.Now/Since/Until calls in a file
// (src, when not nil, is its text).
func clockCalls(t *testing.T, path string, src any) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && slices.Contains([]string{"Now", "Since", "Until"}, sel.Sel.Name) {
			found = append(found, fset.Position(sel.Pos()).String())
		}
		return true
	})
	return found
}
