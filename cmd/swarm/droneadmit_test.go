package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/config"
)

func TestDronesAddFlags(t *testing.T) {
	tests := []struct {
		args []string
		want droneAddOptions
	}{
		{[]string{"b1"}, droneAddOptions{ID: "b1"}},
		{[]string{"b1", "--capability", "amd64", "--capability", "a,b", "--cores", "0", "--slots", "3"},
			droneAddOptions{ID: "b1", Capabilities: []string{"amd64", "a,b"}, setCores: true, Slots: 3, setSlots: true}},
	}
	for _, tt := range tests {
		a, _, _ := testApp()
		var got *droneAddOptions
		cmd := newDronesAddCmd(a, func(_ context.Context, o *droneAddOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		got.app = nil
		if strings.Join(got.Capabilities, "|") != strings.Join(tt.want.Capabilities, "|") ||
			got.ID != tt.want.ID || got.Cores != tt.want.Cores || got.Slots != tt.want.Slots ||
			got.setCores != tt.want.setCores || got.setSlots != tt.want.setSlots {
			t.Errorf("%v parsed as %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

// TestDronesAddStoresOnlyTheHash checks the security property the token
// exists for: stdout carries the token, config.toml its SHA-256 and never
// the token itself.
func TestDronesAddStoresOnlyTheHash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), stateDirName)
	if err := createStateDir(dir); err != nil {
		t.Fatal(err)
	}
	a, out, _ := testApp()
	a.dir = dir
	if err := runDronesAdd(&droneAddOptions{app: a, ID: "b1"}); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSuffix(out.String(), "\n")
	if len(token) != 43 || strings.ContainsAny(token, "\n+/=") {
		t.Fatalf("token %q is not 32 bytes of unpadded URL-safe base64 on one line", token)
	}
	data, err := os.ReadFile(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), token) {
		t.Error("config.toml holds the token itself")
	}
	cfg, err := config.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Drones["b1"].TokenSHA256, config.TokenHash(token); got != want {
		t.Errorf("token_sha256 = %q, want %q", got, want)
	}
	fi, err := os.Stat(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config.toml mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestNewTokenIsFresh(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := newToken()
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}
