package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/swarm-build/swarm/internal/shareddata"
	"github.com/swarm-build/swarm/internal/testenv"
)

// TestMain lets testscript run this test binary as `swarm`, so the scripts
// exercise the real command line, exit codes and all.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"swarm": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	data := dataDir(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			// Every `swarm` of a script is this race-built test binary:
			// without the race runtime's second of sleep at each exit.
			env.Setenv("GORACE", testenv.GORACE(os.Getenv("GORACE")))
			env.Setenv("DATA", data)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"flipbyte": cmdFlipByte,
			"farm":     cmdFarm,
			"promote":  cmdPromote,
		},
	})
}

// cmdExits runs a command and checks its exit code, which exec cannot:
//
//	exits CODE COMMAND [ARG...]
//
// stdout and stderr are kept for the assertions that follow.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdFlipByte inverts one byte of a file, to damage a log segment:
//
//	flipbyte FILE OFFSET
func cmdFlipByte(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	off, err := strconv.ParseInt(args[1], 0, 64)
	ts.Check(err)
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_RDWR, 0)
	ts.Check(err)
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, off)
	ts.Check(err)
	b[0] ^= 0xff
	_, err = f.WriteAt(b, off)
	ts.Check(err)
}

// stateOf is the .swarm folder of a script's work folder.
func stateOf(ts *testscript.TestScript) string {
	return filepath.Join(ts.Getenv("WORK"), stateDirName)
}

// dataDir is the real Gentoo data in the repository's testdata/ (see its
// SOURCES.md), for the scripts as $DATA. The data ships with the
// repository, so its absence fails the test rather than skipping scripts.
func dataDir(t testing.TB) string {
	t.Helper()
	dir, err := shareddata.Path(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
