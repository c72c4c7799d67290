package drone

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Config is what one drone needs to know about itself. It lives in the
// build machine's own TOML file (ConfigPath), not in the farm's config.toml:
// the farm's settings (build command, heartbeat, lease, health thresholds)
// come from the orchestrator when the drone registers, so they are kept in
// one place for the whole farm.
//
// The file, every key optional (flags of `swarm drone` override it):
//
//	orchestrator = "http://10.0.0.1:8093"  # where `swarm serve` listens; or every
//	                                       # member of a cluster: ["http://o1:8093", "http://o2:8093"]
//	id = "build-01"                        # as admitted by `swarm drones add`
//	token = "…"                            # printed once by `swarm drones add`
//	cores = 16                             # default: the machine's CPUs
//	slots = 1                              # builds at once; default 1
//	capabilities = ["amd64"]
//	memory_mb = 32768                      # default: the machine's memory
//	log_dir = "/var/log/swarm/builds"      # default: $XDG_STATE_HOME/swarm/builds
//	tree = ""                              # this machine's portage tree identity
//	tree_file = "/var/db/repos/gentoo/metadata/timestamp.chk"  # read when tree is ""
//	portage_tmpdir = "/var/tmp"            # default: $PORTAGE_TMPDIR, else /var/tmp
//	portage_info = ["emerge", "--info"]    # prints the portage settings the farm compares
type Config struct {
	// Orchestrator is the base URL of the orchestrator's API, or the URLs
	// of every orchestrator of a cluster separated by commas (the file may
	// give them as a list): the drone follows whichever leads (follow.go).
	Orchestrator string   `toml:"orchestrator"`
	ID           string   `toml:"id"`
	Token        string   `toml:"token"` // bearer token; keep the file private
	Cores        int      `toml:"cores"`
	Slots        int      `toml:"slots"` // builds run at once
	Capabilities []string `toml:"capabilities"`
	MemoryMB     uint64   `toml:"memory_mb"`
	LogDir       string   `toml:"log_dir"` // one log file per build
	Tree         string   `toml:"tree"`    // portage tree identity; "" = read TreeFile
	// TreeFile holds the tree's identity when Tree is empty: portage's
	// metadata/timestamp.chk, rewritten by every sync. Read at each
	// heartbeat, so a sync is noticed without a restart.
	TreeFile string `toml:"tree_file"`
	// PortageTmpdir is portage's PORTAGE_TMPDIR on this machine: the drone
	// watches each build's build.log there as a sign of progress (emerge
	// --quiet-build prints nothing). Default: $PORTAGE_TMPDIR, else
	// /var/tmp, as portage's own.
	PortageTmpdir string `toml:"portage_tmpdir"`
	// PortageInfo is the command (argv) that prints this machine's portage
	// settings, `emerge --info` style; the farm compares them with its
	// config.toml [portage]. Default: DefaultPortageInfo.
	PortageInfo []string `toml:"portage_info"`

	// Version is the swarm release the drone runs; it is the binary's, so
	// no file sets it.
	Version string `toml:"-"`
}

// ConfigPath returns where the drone's file lives by default:
// $XDG_CONFIG_HOME/swarm/drone.toml, else ~/.config/swarm/drone.toml.
// getenv is how the environment is read (os.Getenv in the CLI).
func ConfigPath(getenv func(string) string) (string, error) {
	dir, err := xdgDir(getenv, "XDG_CONFIG_HOME", ".config")
	if err != nil {
		return "", fmt.Errorf("drone config path: %w", err)
	}
	return filepath.Join(dir, "swarm", "drone.toml"), nil
}

// DefaultLogDir returns where build logs go by default:
// $XDG_STATE_HOME/swarm/builds, else ~/.local/state/swarm/builds.
func DefaultLogDir(getenv func(string) string) (string, error) {
	dir, err := xdgDir(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"))
	if err != nil {
		return "", fmt.Errorf("drone log folder: %w", err)
	}
	return filepath.Join(dir, "swarm", "builds"), nil
}

// xdgDir is the XDG base directory named by env, else home/fallback. The
// spec ignores a relative value, and so do we.
func xdgDir(getenv func(string) string, env, fallback string) (string, error) {
	if d := getenv(env); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", fmt.Errorf("neither $%s nor $HOME is set", env)
	}
	return filepath.Join(home, fallback), nil
}

// LoadConfig reads the drone's file. A missing file is an error matching
// fs.ErrNotExist (the CLI ignores it for the default path); anything else
// wrong matches ErrBadConfig.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read drone config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes the drone's TOML strictly: an unknown key is an error
// naming it, since a misspelt key silently ignored is a setting silently
// lost.
func ParseConfig(data []byte) (Config, error) {
	var f fileConfig
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.EnableUnmarshalerInterface()
	if err := dec.Decode(&f); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) && len(strict.Errors) > 0 {
			keys := make([]string, len(strict.Errors))
			for i, e := range strict.Errors {
				keys[i] = strings.Join(e.Key(), ".")
			}
			return Config{}, fmt.Errorf("%w: unknown key %s", ErrBadConfig, strings.Join(keys, ", "))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return Config{}, fmt.Errorf("%w: line %d, column %d: %s", ErrBadConfig, row, col, de.Error())
		}
		return Config{}, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	c := f.Config
	c.Orchestrator = strings.Join(f.Orchestrator, ",")
	return c, nil
}

// fileConfig is Config as the file holds it: its orchestrator key is one
// URL or a list (this field shadows Config's).
type fileConfig struct {
	Config
	Orchestrator urlList `toml:"orchestrator"`
}

// urlList decodes a TOML string or array of strings.
type urlList []string

// UnmarshalTOML decodes the raw value data (go-toml's unstable.Unmarshaler).
func (u *urlList) UnmarshalTOML(data []byte) error {
	var v struct{ V any }
	if err := toml.Unmarshal(append([]byte("V = "), data...), &v); err != nil {
		return err
	}
	switch x := v.V.(type) {
	case string:
		*u = urlList{x}
		return nil
	case []any:
		out := make(urlList, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok || strings.Contains(s, ",") {
				return fmt.Errorf("orchestrator: want URLs as strings, not %v", e)
			}
			out[i] = s
		}
		*u = out
		return nil
	}
	return fmt.Errorf("orchestrator: want a URL or a list of URLs, not %v", v.V)
}

// URLs lists the orchestrators' base URLs: Orchestrator split at commas,
// each without a trailing slash.
func (c Config) URLs() []string {
	var out []string
	for u := range strings.SplitSeq(c.Orchestrator, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// WithDefaults fills what is unset: one slot, the machine's CPUs and memory,
// the XDG state folder for logs, and http:// before an orchestrator given
// as host:port.
func (c Config) WithDefaults(getenv func(string) string) (Config, error) {
	if c.Slots == 0 {
		c.Slots = 1
	}
	if c.Cores == 0 {
		c.Cores = runtime.NumCPU()
	}
	if c.MemoryMB == 0 {
		c.MemoryMB = MachineMemoryMB()
	}
	if c.LogDir == "" {
		d, err := DefaultLogDir(getenv)
		if err != nil {
			return c, err
		}
		c.LogDir = d
	}
	if c.PortageTmpdir == "" {
		c.PortageTmpdir = getenv("PORTAGE_TMPDIR")
	}
	if c.PortageTmpdir == "" {
		c.PortageTmpdir = "/var/tmp"
	}
	if urls := c.URLs(); len(urls) > 0 {
		for i, u := range urls {
			if !strings.Contains(u, "://") {
				urls[i] = "http://" + u
			}
		}
		c.Orchestrator = strings.Join(urls, ",")
	}
	return c, nil
}

// Validate reports the first setting the drone cannot run with: a missing
// orchestrator, id or token matches ErrMissingSetting, a bad value
// ErrBadConfig.
func (c Config) Validate() error {
	switch {
	case len(c.URLs()) == 0:
		return fmt.Errorf("%w: the orchestrator's URL (--orchestrator or orchestrator = \"http://host:8093\")", ErrMissingSetting)
	case c.ID == "":
		return fmt.Errorf("%w: the drone's id (--id or id = \"…\", as given to `swarm drones add`)", ErrMissingSetting)
	case c.Token == "":
		return fmt.Errorf("%w: the drone's token (--token, $SWARM_DRONE_TOKEN or token = \"…\", as printed by `swarm drones add`)", ErrMissingSetting)
	case strings.ContainsAny(c.ID, "/?#% \t\n"):
		return fmt.Errorf("%w: id %q: may not contain '/', '?', '#', '%%' or spaces", ErrBadConfig, c.ID)
	case c.Cores < 0:
		return fmt.Errorf("%w: cores = %d: must be positive", ErrBadConfig, c.Cores)
	case c.Slots < 0:
		return fmt.Errorf("%w: slots = %d: must be positive", ErrBadConfig, c.Slots)
	}
	for _, o := range c.URLs() {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: orchestrator %q: want a URL such as http://127.0.0.1:8093", ErrBadConfig, o)
		}
	}
	return nil
}
