package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

//go:generate sh ../../scripts/gen-docs.sh

// TestDocsUpToDate regenerates the completion scripts and man pages and
// fails if the committed ones differ: run scripts/gen-docs.sh (or go
// generate ./cmd/swarm) after changing a command.
func TestDocsUpToDate(t *testing.T) {
	root := newRootCmd(&app{out: io.Discard, errOut: io.Discard, getenv: func(string) string { return "" }, getwd: os.Getwd})
	for _, sh := range shells {
		var b bytes.Buffer
		if err := writeCompletion(root, sh.name, &b); err != nil {
			t.Fatal(err)
		}
		sameFile(t, filepath.Join("..", "..", "completions", sh.file), b.Bytes())
	}

	dir := t.TempDir()
	if _, err := genManTree(root, dir); err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	have, _ := filepath.Glob(filepath.Join("..", "..", "man", "*.1"))
	if !slices.Equal(baseNames(want), baseNames(have)) {
		t.Errorf("man pages drifted: generated %v, committed %v; run scripts/gen-docs.sh", baseNames(want), baseNames(have))
	}
	for _, p := range want {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sameFile(t, filepath.Join("..", "..", "man", filepath.Base(p)), data)
	}
}

// TestManDeterministic: generating the pages twice gives the same bytes.
func TestManDeterministic(t *testing.T) {
	gen := func() map[string]string {
		root := newRootCmd(&app{out: io.Discard, errOut: io.Discard, getenv: os.Getenv, getwd: os.Getwd})
		dir := t.TempDir()
		if _, err := genManTree(root, dir); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		files, _ := filepath.Glob(filepath.Join(dir, "*.1"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			out[filepath.Base(f)] = string(b)
		}
		return out
	}
	a, b := gen(), gen()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("generated %d then %d pages", len(a), len(b))
	}
	for name, text := range a {
		if b[name] != text {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func sameFile(t *testing.T, path string, want []byte) {
	t.Helper()
	have, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v; run scripts/gen-docs.sh", err)
		return
	}
	if !bytes.Equal(have, want) {
		t.Errorf("%s is out of date; run scripts/gen-docs.sh", path)
	}
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	slices.Sort(out)
	return out
}

// TestCompletionLoadsInBash: the committed bash completion, sourced by a
// real bash, registers a completion for swarm.
func TestCompletionLoadsInBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("this test runs bash: install bash")
	}
	script, _ := filepath.Abs(filepath.Join("..", "..", "completions", "swarm.bash"))
	out, err := exec.Command(bash, "--norc", "--noprofile", "-c", "source "+script+" && complete -p swarm").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "complete ") || !strings.HasSuffix(strings.TrimSpace(string(out)), " swarm") {
		t.Fatalf("complete -p swarm after sourcing: %v\n%s", err, out)
	}
}

// TestManPageRenders: man(1) renders the committed top page, with its
// name and the subcommands it refers to.
func TestManPageRenders(t *testing.T) {
	man, err := exec.LookPath("man")
	if err != nil {
		t.Fatal("this test runs man: install man-db")
	}
	page, _ := filepath.Abs(filepath.Join("..", "..", "man", "swarm.1"))
	// Unhyphenated and wide enough for SEE ALSO on one line: a verb added
	// there moved where man split another's name ("swarm-sta‐ tus(1)").
	cmd := exec.Command(man, "--nh", "--nj", "-l", page)
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=1000")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("man -l %s: %v\n%s", page, err, out)
	}
	for _, want := range []string{"NAME", "swarm", "SEE ALSO", "swarm-status(1)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("man -l swarm.1 lacks %q:\n%s", want, out)
		}
	}
}
