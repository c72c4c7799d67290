package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the name of the configuration file inside the .swarm folder.
const FileName = "config.toml"

// Config is the whole of config.toml. Each field is one TOML table; the toml
// tags are the key names operators write. The comments on the keys' meaning
// live in the template (see Template), which is what operators read.
type Config struct {
	Server    ServerConfig              `toml:"server"`
	Build     BuildConfig               `toml:"build"`
	Farm      FarmConfig                `toml:"farm"`
	Health    HealthConfig              `toml:"health"`
	Heal      HealConfig                `toml:"heal"`
	Log       LogConfig                 `toml:"log"`
	Binhost   BinhostConfig             `toml:"binhost"`
	Exclude   ExcludeConfig             `toml:"exclude"`
	Portage   PortageConfig             `toml:"portage"`
	Caps      CapabilitiesConfig        `toml:"capabilities"`
	Remotes   map[string]RemoteConfig   `toml:"remotes"`   // by remote name
	Drones    map[string]DroneConfig    `toml:"drones"`    // by drone id
	Operators map[string]OperatorConfig `toml:"operators"` // by operator name
}

// ServerConfig is [server]: the orchestrator process.
type ServerConfig struct {
	Listen           string   `toml:"listen"`            // host:port of the HTTP API
	MaintenanceEvery Duration `toml:"maintenance_every"` // period of the maintenance loop
	// Connection limits, so that idle or slow connections from anyone
	// cannot use up the server's file descriptors. 0 = derived from the
	// descriptor limit (RLIMIT_NOFILE) when the server starts.
	MaxConnections        int      `toml:"max_connections"`             // all connections at once
	MaxConnectionsPerAddr int      `toml:"max_connections_per_address"` // unauthenticated, from one IP
	DroneConnections      int      `toml:"drone_connections"`           // kept for token holders
	HeaderTimeout         Duration `toml:"header_timeout"`              // to send a request's headers
	ReadTimeout           Duration `toml:"read_timeout"`                // to send a whole request
	IdleTimeout           Duration `toml:"idle_timeout"`                // a kept-alive connection's rest
}

// BuildConfig is [build]: the commands drones and `swarm fresh` run, as argv
// arrays (never shell strings: retry metadata once leaked into a command line).
type BuildConfig struct {
	Command    []string   `toml:"command"`     // build one package; {atom} is replaced
	Pretend    []string   `toml:"pretend"`     // list the world set for `swarm fresh`
	Sync       [][]string `toml:"sync"`        // tree sync commands, tried in order
	StallAfter Duration   `toml:"stall_after"` // silence before a build is stalled; 0 = never
}

// FarmConfig is [farm]: leases, the circuit breaker and systemic-failure
// detection.
type FarmConfig struct {
	Heartbeat        Duration `toml:"heartbeat"`         // drone heartbeat interval
	Lease            Duration `toml:"lease"`             // unrenewed claims are reclaimed after this
	GroundAfter      int      `toml:"ground_after"`      // consecutive failures that ground a drone
	GroundFor        Duration `toml:"ground_for"`        // how long a grounding lasts
	FailAfterDrones  int      `toml:"fail_after_drones"` // distinct drones before a package is failed
	SystemicWindow   Duration `toml:"systemic_window"`   // window for fleet-wide failure detection
	SystemicFraction float64  `toml:"systemic_fraction"` // share of drones failing alike = systemic
	StaleAfter       Duration `toml:"stale_after"`       // age at which the queue's tree is stale
	FreshEvery       Duration `toml:"fresh_every"`       // automatic `swarm fresh` period; 0 = off
	SampleEvery      Duration `toml:"sample_every"`      // a drone's resources go in the log this often
	// RequireVersion is the oldest swarm release a drone may run and get
	// work: "" = any, RequireOrchestrator = the orchestrator's own.
	RequireVersion string `toml:"require_version"`
}

// HealthConfig is [health]: the thresholds of a drone's health state machine.
type HealthConfig struct {
	DegradedMemoryPercent float64  `toml:"degraded_memory_percent"`
	DegradedDiskPercent   float64  `toml:"degraded_disk_percent"`
	SlowFactor            float64  `toml:"slow_factor"`      // build slower than usual × this = slow
	CriticalCrashes       int      `toml:"critical_crashes"` // crashes in a row that make a drone critical
	SelfCheck             []string `toml:"self_check"`       // argv run before claiming; empty = none
}

// HealConfig is [heal]: the orchestrator restarting drones over SSH. Off
// by default: it runs commands on other machines.
type HealConfig struct {
	Enabled bool     `toml:"enabled"`
	After   Duration `toml:"after"` // offline this long before a restart
	// RestartAttempts bounds the restarts of a drone that stays offline;
	// Backoff is the wait after the first, doubled after each.
	RestartAttempts int      `toml:"restart_attempts"`
	Backoff         Duration `toml:"backoff"`
	// Reboot allows RebootCommand to run, over SSH to the remote's
	// configured address, once every restart failed.
	Reboot        bool   `toml:"reboot"`
	RebootCommand string `toml:"reboot_command"`
}

// LogConfig is [log]: the event log and its snapshots.
type LogConfig struct {
	// Backend holds the log: BackendFile (.swarm/events, the default) or
	// BackendJetStream (embedded NATS JetStream, [log.jetstream]).
	Backend       string `toml:"backend"`
	SegmentBytes  int64  `toml:"segment_bytes"`  // size at which the tail segment is sealed
	SnapshotEvery int    `toml:"snapshot_every"` // events past the last snapshot before a new one
	// Build logs the drones send (.swarm/logs/), kept zstd-compressed.
	MaxBuildLog       int64    `toml:"max_build_log"`        // largest one taken, compressed bytes
	BuildLogsMaxTotal int64    `toml:"build_logs_max_total"` // oldest pruned past this total
	BuildLogsMaxAge   Duration `toml:"build_logs_max_age"`   // pruned when older
	// JetStream is [log.jetstream], read when Backend is BackendJetStream.
	JetStream JetStreamConfig `toml:"jetstream"`
}

// BinhostConfig is [binhost].
type BinhostConfig struct {
	Path string `toml:"path"` // "" = .swarm/binhost; relative = relative to .swarm
	// MaxUpload is the largest binary package a drone may upload, in bytes.
	MaxUpload int64 `toml:"max_upload"`
	// Keep is how many builds of each package slot stay in the index,
	// newest first; the rest are pruned (see commands.Retain).
	Keep int64 `toml:"keep"`
	// IndexEvery is the shortest time between two writes of the Packages
	// index: promotions in a burst share one write, and an upload is
	// answered once the index lists it, so this is also how long an upload
	// may wait.
	IndexEvery Duration `toml:"index_every"`
}

// ExcludeConfig is [exclude]: packages the farm never builds.
type ExcludeConfig struct {
	Patterns []string `toml:"patterns"` // cat/name, cat/* or path.Match globs
}

// PortageConfig is [portage]: the portage configuration the farm's
// packages are built with, so that its clients can use them. A drone
// reports its own (from `emerge --info`); one that differs in any setting
// stated here gets no work. "" = not compared.
type PortageConfig struct {
	Profile      string `toml:"profile"`       // below profiles/, e.g. default/linux/amd64/23.0
	CHOST        string `toml:"chost"`         // e.g. x86_64-pc-linux-gnu
	CFLAGS       string `toml:"cflags"`        // compared as written (order matters)
	CXXFLAGS     string `toml:"cxxflags"`      //
	LDFLAGS      string `toml:"ldflags"`       //
	USE          string `toml:"use"`           // the global USE as `emerge --info` prints it (a set)
	ABI          string `toml:"abi"`           // e.g. amd64
	DefaultABI   string `toml:"default_abi"`   // e.g. amd64
	MultilibABIs string `toml:"multilib_abis"` // e.g. "amd64 x86" (a set)
	ABIX86       string `toml:"abi_x86"`       // e.g. "64" or "32 64" (a set)
}

// Settings are the stated settings by portage's names (portage.SettingKeys).
func (p PortageConfig) Settings() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"profile": p.Profile, "CHOST": p.CHOST, "CFLAGS": p.CFLAGS,
		"CXXFLAGS": p.CXXFLAGS, "LDFLAGS": p.LDFLAGS, "USE": p.USE, "ABI": p.ABI, "DEFAULT_ABI": p.DefaultABI,
		"MULTILIB_ABIS": p.MultilibABIs, "ABI_X86": p.ABIX86} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// CapabilitiesConfig is [capabilities]: what a drone must be able to do to
// build a package. A package needs every capability of every rule that
// matches it; only drones that declare them all are offered it.
type CapabilitiesConfig struct {
	Packages map[string][]string `toml:"packages"` // package pattern (as [exclude]) → capabilities
	USE      map[string][]string `toml:"use"`      // USE flag enabled for the package → capabilities
	// Keywords maps an arch keyword to capabilities: a package goes only
	// to a drone with the capabilities of one of the arches its KEYWORDS
	// name (stable or ~testing), so an arm64-only package never reaches an
	// amd64 drone. Packages keyworded "*" (every arch) need none.
	Keywords map[string][]string `toml:"keywords"`
}

// RemoteConfig is one [remotes.NAME] table: a deploy target.
type RemoteConfig struct {
	URL      string `toml:"url"`      // sftp://user@host[:port]/path
	Role     string `toml:"role"`     // RoleDrone ("" means it too), RoleOrchestrator or RoleBinhost
	Identity string `toml:"identity"` // private key file; "" = the SSH agent ($SSH_AUTH_SOCK)
	// Restart is the command run on the host, over SSH, to restart swarm
	// there after a deploy (for example "rc-service swarm-drone restart");
	// "" = none. It stops the running swarm as SIGTERM does, so a drone
	// finishes its builds first.
	Restart string `toml:"restart"`
	// KnownHosts is the known_hosts file the host's key is checked
	// against; "" = ~/.ssh/known_hosts.
	KnownHosts string `toml:"known_hosts"`
	// Files are local files deployed with the release, each beside swarm
	// under its own name, with its mode (service files, a drone.toml).
	Files []string `toml:"files"`
}

// RequireOrchestrator, as farm.require_version, asks every drone to run
// the orchestrator's own release.
const RequireOrchestrator = "orchestrator"

// The roles of a remote: what the swarm deployed there runs as.
const (
	RoleDrone        = "drone"
	RoleOrchestrator = "orchestrator"
	RoleBinhost      = "binhost"
)

// DroneConfig is one [drones.ID] table: an admitted drone.
type DroneConfig struct {
	TokenSHA256  string   `toml:"token_sha256"` // hex SHA-256 of the bearer token; never the token
	Capabilities []string `toml:"capabilities"` // what the drone can build, for routing
	Cores        int      `toml:"cores"`        // 0 = as the drone reports
	Slots        int      `toml:"slots"`        // builds at once; 0 = as the drone asks
}

// OperatorConfig is one [operators.NAME] table: a person or program that
// may read the server's views (/v1/status, /v1/queue, /v1/drones) when it
// listens beyond loopback.
type OperatorConfig struct {
	TokenSHA256 string `toml:"token_sha256"` // hex SHA-256 of the bearer token; never the token
	Role        string `toml:"role"`         // RoleOperator ("" means it too) or RoleReadOnly
}

// The roles of an operator token. Both read every view; only "operator"
// may use the operator actions the API offers in future.
const (
	RoleOperator = "operator"
	RoleReadOnly = "read-only"
)

// TokenHash returns the token_sha256 stored for a drone's bearer token: the
// lowercase hex SHA-256. The file keeps only this, never the token, so a
// leaked config does not let anyone act as a drone.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Default returns the configuration used for every key a file leaves out.
// It equals Parse(Template()). Each call returns fresh slices and maps.
func Default() Config {
	return Config{
		Server: ServerConfig{Listen: "127.0.0.1:8093", MaintenanceEvery: dur(5 * time.Second),
			HeaderTimeout: dur(10 * time.Second), ReadTimeout: dur(60 * time.Second), IdleTimeout: dur(2 * time.Minute)},
		Build: BuildConfig{
			Command:    []string{"emerge", "--oneshot", "--buildpkg", "--usepkg", "--getbinpkg", "={atom}"},
			Pretend:    []string{"emerge", "--pretend", "--emptytree", "--quiet=n", "@world"},
			Sync:       [][]string{{"emerge", "--sync"}, {"emerge-webrsync"}},
			StallAfter: dur(30 * time.Minute),
		},
		Farm: FarmConfig{
			Heartbeat:        dur(15 * time.Second),
			Lease:            dur(60 * time.Second),
			GroundAfter:      5,
			GroundFor:        dur(5 * time.Minute),
			FailAfterDrones:  2,
			SystemicWindow:   dur(10 * time.Minute),
			SystemicFraction: 0.5,
			StaleAfter:       dur(48 * time.Hour),
			FreshEvery:       dur(0),
			SampleEvery:      dur(10 * time.Minute),
		},
		Heal: HealConfig{After: dur(10 * time.Minute), RestartAttempts: 3, Backoff: dur(5 * time.Minute),
			RebootCommand: "reboot"},
		Health: HealthConfig{
			DegradedMemoryPercent: 85,
			DegradedDiskPercent:   90,
			SlowFactor:            2,
			CriticalCrashes:       3,
			SelfCheck:             []string{},
		},
		Log: LogConfig{Backend: BackendFile, SegmentBytes: 4 << 20, SnapshotEvery: 10000,
			MaxBuildLog: 64 << 20, BuildLogsMaxTotal: 2 << 30, BuildLogsMaxAge: dur(30 * 24 * time.Hour),
			JetStream: JetStreamConfig{Farm: "farm", Replicas: 1, Members: map[string]JetStreamMember{}}},
		Binhost: BinhostConfig{MaxUpload: 8 << 30, Keep: 3, IndexEvery: dur(2 * time.Second)},
		Exclude: ExcludeConfig{Patterns: []string{}},
		Caps: CapabilitiesConfig{Packages: map[string][]string{}, USE: map[string][]string{},
			Keywords: map[string][]string{}},
		Remotes:   map[string]RemoteConfig{},
		Drones:    map[string]DroneConfig{},
		Operators: map[string]OperatorConfig{},
	}
}

// BinhostDir returns the binhost folder for a farm whose .swarm folder is
// stateDir: binhost.path if absolute, joined to stateDir if relative, and
// stateDir/binhost if empty.
func (c Config) BinhostDir(stateDir string) string {
	switch {
	case c.Binhost.Path == "":
		return filepath.Join(stateDir, "binhost")
	case filepath.IsAbs(c.Binhost.Path):
		return c.Binhost.Path
	}
	return filepath.Join(stateDir, c.Binhost.Path)
}

// Duration is a time.Duration written in TOML as a Go duration string with a
// unit, like "90s". A bare number (lease = 90) is refused: it is ambiguous to
// the reader, and the decoder would otherwise take it as nanoseconds.
type Duration struct{ time.Duration }

func dur(d time.Duration) Duration { return Duration{d} }

// UnmarshalText parses a duration such as "90s", "5m" or "0s".
func (d *Duration) UnmarshalText(text []byte) error {
	s := string(text)
	v, err := time.ParseDuration(s)
	if err != nil || !strings.ContainsAny(s, "hmsuµn") {
		return fmt.Errorf("%w: %q is not a duration (like \"60s\")", ErrBadValue, s)
	}
	d.Duration = v
	return nil
}

// MarshalText writes d in its largest whole unit ("48h", "90s", "1m").
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String returns d in its largest whole unit, the way an operator writes it:
// "90s" rather than time.Duration's "1m30s".
func (d Duration) String() string {
	units := []struct {
		name string
		size time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second},
		{"ms", time.Millisecond}, {"us", time.Microsecond}}
	if d.Duration == 0 {
		return "0s"
	}
	for _, u := range units {
		if d.Duration%u.size == 0 {
			return fmt.Sprintf("%d%s", d.Duration/u.size, u.name)
		}
	}
	return fmt.Sprintf("%dns", int64(d.Duration))
}
