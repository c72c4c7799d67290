package drone

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`
orchestrator = "http://10.0.0.1:8093"
id = "build-01"
token = "t0k"
cores = 16
slots = 2
capabilities = ["amd64", "big-memory"]
memory_mb = 32768
log_dir = "/var/log/swarm/builds"
tree = "2026-01-23T00:45Z"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Orchestrator: "http://10.0.0.1:8093", ID: "build-01", Token: "t0k", Cores: 16, Slots: 2,
		Capabilities: []string{"amd64", "big-memory"}, MemoryMB: 32768, LogDir: "/var/log/swarm/builds", Tree: "2026-01-23T00:45Z"}
	if c.Orchestrator != want.Orchestrator || c.ID != want.ID || c.Token != want.Token || c.Cores != want.Cores ||
		c.Slots != want.Slots || !slices.Equal(c.Capabilities, want.Capabilities) || c.MemoryMB != want.MemoryMB ||
		c.LogDir != want.LogDir || c.Tree != want.Tree {
		t.Errorf("ParseConfig = %+v, want %+v", c, want)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, text, mention string
	}{
		{"unknown key", "id = \"x\"\nslot = 2\n", "unknown key slot"},
		{"unknown table key", "[orchestrator]\nurl = \"x\"\n", ""},
		{"wrong type", "cores = \"many\"\n", "line 1"},
		{"not toml", "id = \n", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.text))
			if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("error = %v, want ErrBadConfig", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadConfig(filepath.Join(dir, "none.toml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	p := filepath.Join(dir, "drone.toml")
	if err := os.WriteFile(p, []byte("idd = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(p)
	if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "idd") {
		t.Errorf("bad file: %v, want ErrBadConfig naming the file and the key", err)
	}
}

func TestConfigPaths(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		conf, logs string
	}{
		{"xdg", map[string]string{"XDG_CONFIG_HOME": "/x/conf", "XDG_STATE_HOME": "/x/state", "HOME": "/home/u"},
			"/x/conf/swarm/drone.toml", "/x/state/swarm/builds"},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.config/swarm/drone.toml", "/home/u/.local/state/swarm/builds"},
		{"relative xdg is ignored", map[string]string{"XDG_CONFIG_HOME": "conf", "XDG_STATE_HOME": "state", "HOME": "/home/u"},
			"/home/u/.config/swarm/drone.toml", "/home/u/.local/state/swarm/builds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf, err := ConfigPath(env(tt.env))
			if err != nil || conf != tt.conf {
				t.Errorf("ConfigPath = %q, %v; want %q", conf, err, tt.conf)
			}
			logs, err := DefaultLogDir(env(tt.env))
			if err != nil || logs != tt.logs {
				t.Errorf("DefaultLogDir = %q, %v; want %q", logs, err, tt.logs)
			}
		})
	}
	if _, err := ConfigPath(env(nil)); err == nil {
		t.Error("ConfigPath with no HOME: no error")
	}
}

func TestWithDefaults(t *testing.T) {
	c, err := Config{Orchestrator: "127.0.0.1:8093"}.WithDefaults(env(map[string]string{"HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Slots != 1 || c.Cores < 1 || c.LogDir != "/home/u/.local/state/swarm/builds" || c.Orchestrator != "http://127.0.0.1:8093" {
		t.Errorf("WithDefaults = %+v", c)
	}
	kept, _ := Config{Slots: 3, Cores: 2, MemoryMB: 7, LogDir: "/l", Orchestrator: "https://o"}.WithDefaults(env(nil))
	if kept.Slots != 3 || kept.Cores != 2 || kept.MemoryMB != 7 || kept.LogDir != "/l" || kept.Orchestrator != "https://o" {
		t.Errorf("WithDefaults changed set values: %+v", kept)
	}
}

func TestValidate(t *testing.T) {
	good := Config{Orchestrator: "http://o:8093", ID: "d1", Token: "t", Cores: 1, Slots: 1}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	tests := []struct {
		name    string
		change  func(*Config)
		want    error
		mention string
	}{
		{"no orchestrator", func(c *Config) { c.Orchestrator = "" }, ErrMissingSetting, "--orchestrator"},
		{"no id", func(c *Config) { c.ID = "" }, ErrMissingSetting, "--id"},
		{"no token", func(c *Config) { c.Token = "" }, ErrMissingSetting, "SWARM_DRONE_TOKEN"},
		{"id with a slash", func(c *Config) { c.ID = "a/b" }, ErrBadConfig, "a/b"},
		{"negative slots", func(c *Config) { c.Slots = -1 }, ErrBadConfig, "slots"},
		{"not a URL", func(c *Config) { c.Orchestrator = "ftp://o" }, ErrBadConfig, "http://127.0.0.1:8093"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			err := c.Validate()
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Validate = %v, want %v mentioning %q", err, tt.want, tt.mention)
			}
		})
	}
}

func TestConfigOrchestratorList(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       []string
		err        error
	}{
		{"one URL", `orchestrator = "http://o1:8093"`, []string{"http://o1:8093"}, nil},
		{"a list", `orchestrator = ["http://o1:8093", "o2:8093", "https://o3/"]`,
			[]string{"http://o1:8093", "http://o2:8093", "https://o3"}, nil},
		{"commas", `orchestrator = "http://o1:8093,o2:8093"`, []string{"http://o1:8093", "http://o2:8093"}, nil},
		{"not strings", `orchestrator = [1, 2]`, nil, ErrBadConfig},
		{"a bad member", `orchestrator = ["http://o1", "ftp://o2"]`, nil, ErrBadConfig},
		{"a number", `orchestrator = 8093`, nil, ErrBadConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tc.toml + "\nid = \"d\"\ntoken = \"t\"\n"))
			if err == nil {
				c, err = c.WithDefaults(env(map[string]string{"HOME": "/h"}))
			}
			if err == nil {
				err = c.Validate()
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if tc.err == nil && !slices.Equal(c.URLs(), tc.want) {
				t.Fatalf("URLs %q, want %q", c.URLs(), tc.want)
			}
		})
	}
}
