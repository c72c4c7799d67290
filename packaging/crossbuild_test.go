package packaging

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReleaseTargetsBuildStatic builds the three release targets as
// .goreleaser.yaml does (CGO_ENABLED=0, -trimpath, the version by ldflags)
// and checks each is a static executable for its machine: no interpreter,
// no shared libraries, GOARM=7 for the ARM boards. The host's binary runs
// and prints the version it was given.
func TestReleaseTargetsBuildStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds swarm for three targets")
	}
	targets := []struct {
		goarch, goarm string
		machine       elf.Machine
	}{
		{"amd64", "", elf.EM_X86_64},
		{"arm64", "", elf.EM_AARCH64},
		{"arm", "7", elf.EM_ARM},
	}
	dir := t.TempDir()
	for _, tg := range targets {
		t.Run(tg.goarch, func(t *testing.T) {
			out := filepath.Join(dir, "swarm-"+tg.goarch)
			env := []string{"GOOS=linux", "GOARCH=" + tg.goarch}
			if tg.goarm != "" {
				env = append(env, "GOARM="+tg.goarm)
			}
			if err := goBuild(goTool(t), out, env); err != nil {
				t.Fatal(err)
			}
			checkStatic(t, out, tg.machine)
			checkBuildSettings(t, out, map[string]string{"CGO_ENABLED": "0", "GOARM": tg.goarm})
		})
	}
	if out, err := exec.Command(swarmBinary(t), "version").Output(); err != nil || !strings.HasPrefix(string(out), "swarm "+testVersion+"\n") {
		t.Errorf("swarm version: %v, %q; want the first line %q", err, out, "swarm "+testVersion)
	}
}

func checkStatic(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != machine || f.Type != elf.ET_EXEC {
		t.Errorf("%s: %v %v, want %v ET_EXEC", path, f.Machine, f.Type, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has an interpreter: not static", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v: not static", path, libs)
	}
}

// checkBuildSettings compares the build settings Go recorded in the binary
// ("" = must be absent) and that the version went in by ldflags.
func checkBuildSettings(t *testing.T, path string, want map[string]string) {
	t.Helper()
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range bi.Settings {
		got[s.Key] = s.Value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: build setting %s=%q, want %q", path, k, got[k], v)
		}
	}
	// -trimpath leaves -ldflags out of the settings: look for the value.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(testVersion)) {
		t.Errorf("%s does not hold the version %q set by -ldflags", path, testVersion)
	}
}
