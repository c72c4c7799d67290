package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-build/swarm/config"
)

// operators add prints the token alone and keeps only its hash and role;
// a name admitted twice, or not admitted, is refused and nothing written.
func TestOperatorsAddAndRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), stateDirName)
	if err := createStateDir(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, config.FileName)
	load := func() config.Config {
		t.Helper()
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	tokens := map[string]string{}
	for _, tc := range []struct {
		name     string
		readOnly bool
		role     string
	}{{"alice", false, config.RoleOperator}, {"grafana", true, config.RoleReadOnly}} {
		a, out, _ := testApp()
		a.dir = dir
		if err := runOperatorsAdd(&operatorOptions{app: a, Name: tc.name, ReadOnly: tc.readOnly}); err != nil {
			t.Fatal(err)
		}
		token := strings.TrimSuffix(out.String(), "\n")
		if len(token) != 43 || strings.ContainsAny(token, "\n ") {
			t.Fatalf("stdout %q is not the token alone", out.String())
		}
		tokens[tc.name] = token
		if o := load().Operators[tc.name]; o.TokenSHA256 != config.TokenHash(token) || o.Role != tc.role {
			t.Errorf("%s: %+v, want the token's hash and role %s", tc.name, o, tc.role)
		}
	}
	data, _ := os.ReadFile(path)
	for name, tok := range tokens {
		if strings.Contains(string(data), tok) {
			t.Errorf("config.toml holds %s's token itself", name)
		}
	}
	for _, bad := range []func(a *app) error{
		func(a *app) error { return runOperatorsAdd(&operatorOptions{app: a, Name: "alice"}) },
		func(a *app) error { return runOperatorsAdd(&operatorOptions{app: a, Name: "a.b"}) },
		func(a *app) error { return runOperatorsRemove(&operatorOptions{app: a, Name: "nobody"}) },
	} {
		a, out, _ := testApp()
		a.dir = dir
		if err := bad(a); err == nil || out.Len() != 0 {
			t.Errorf("refused edit: err %v, stdout %q", err, out.String())
		}
		if after, _ := os.ReadFile(path); string(after) != string(data) {
			t.Error("a refused edit changed config.toml")
		}
	}
	a, _, _ := testApp()
	a.dir = dir
	if err := runOperatorsRemove(&operatorOptions{app: a, Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := load().Operators["alice"]; ok {
		t.Error("alice still admitted after remove")
	}
}
