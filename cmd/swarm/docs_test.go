package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
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
