package config

import (
	"net"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks that every value is usable, and returns the first problem
// as an *Error wrapping ErrBadValue and naming the key. Parse and Load call
// it; call it again after changing a Config in code.
func (c Config) Validate() error {
	v := &validator{}
	c.Server.validate(v)
	c.Build.validate(v)
	c.Farm.validate(v)
	c.Health.validate(v)
	c.Heal.validate(v)
	c.Log.validate(v)
	c.Binhost.validate(v)
	c.Exclude.validate(v)
	c.Caps.validate(v)
	for _, name := range sortedKeys(c.Remotes) {
		c.Remotes[name].validate(v, name)
	}
	for _, id := range sortedKeys(c.Drones) {
		c.Drones[id].validate(v, id)
	}
	for _, name := range sortedKeys(c.Operators) {
		c.Operators[name].validate(v, name)
	}
	if v.err != nil {
		return v.err
	}
	return nil
}

// validator keeps the first failed check.
type validator struct{ err *Error }

func (v *validator) check(ok bool, key, format string, args ...any) {
	if !ok && v.err == nil {
		v.err = badValue(key, format, args...)
	}
}

// The least value of each duration that can work. A period shorter than
// these cannot do its job: a heartbeat of "1ns" marks every drone offline,
// a maintenance loop of "1ns" spins, a grounding of "1ns" grounds nothing.
const (
	minHeartbeat   = time.Second            // farm.heartbeat: a drone's report takes a round trip
	minMaintenance = 100 * time.Millisecond // server.maintenance_every: faster only burns CPU
	minPeriod      = time.Second            // every other duration, when not off
	minFreshEvery  = time.Minute            // farm.fresh_every: a sync and a pretend take minutes
)

// atLeastDur checks a duration that must be on: at least min.
func (v *validator) atLeastDur(key string, d Duration, min time.Duration) {
	v.check(d.Duration >= min, key, "must be at least %s, not %q", Duration{min}, d)
}

// optional checks a duration where "0s" means "off": 0, or at least min.
func (v *validator) optional(key string, d Duration, min time.Duration) {
	v.check(d.Duration == 0 || d.Duration >= min, key,
		"must be \"0s\" (off) or at least %s, not %q", Duration{min}, d)
}

func (v *validator) atLeast(key string, n, min int64) {
	v.check(n >= min, key, "must be at least %d, not %d", min, n)
}

// argv checks a command line; empty reports whether it may be empty.
func (v *validator) argv(key string, argv []string, empty bool) {
	v.check(len(argv) > 0 || empty, key, "must name a command, like [\"emerge\", …]")
	v.check(len(argv) == 0 || argv[0] != "", key, "the program (first element) must not be empty")
}

func (s ServerConfig) validate(v *validator) {
	v.check(validHostPort(s.Listen), "server.listen",
		"%q is not host:port (like \"127.0.0.1:8093\")", s.Listen)
	v.atLeastDur("server.maintenance_every", s.MaintenanceEvery, minMaintenance)
	s.validateLimits(v)
}

func (b BuildConfig) validate(v *validator) {
	v.argv("build.command", b.Command, false)
	v.check(slices.ContainsFunc(b.Command, func(a string) bool { return strings.Contains(a, "{atom}") }),
		"build.command", "must contain {atom}, where the package to build goes")
	v.argv("build.pretend", b.Pretend, false)
	for i, cmd := range b.Sync {
		v.check(len(cmd) > 0 && cmd[0] != "", "build.sync", "command %d must name a program", i+1)
	}
	v.optional("build.stall_after", b.StallAfter, minPeriod)
}

func (f FarmConfig) validate(v *validator) {
	v.atLeastDur("farm.heartbeat", f.Heartbeat, minHeartbeat)
	// A lease must survive one lost or late heartbeat, or a drone that is
	// building loses its work to a single dropped packet.
	v.atLeastDur("farm.lease", f.Lease, minHeartbeat)
	v.check(f.Lease.Duration >= 2*f.Heartbeat.Duration, "farm.lease",
		"must be at least twice farm.heartbeat (2 × %s = %s), or leases lapse between heartbeats; not %q",
		f.Heartbeat, Duration{2 * f.Heartbeat.Duration}, f.Lease)
	v.atLeast("farm.ground_after", int64(f.GroundAfter), 1)
	v.atLeastDur("farm.ground_for", f.GroundFor, minPeriod)
	v.atLeast("farm.fail_after_drones", int64(f.FailAfterDrones), 1)
	v.atLeastDur("farm.systemic_window", f.SystemicWindow, minPeriod)
	v.check(f.SystemicFraction > 0 && f.SystemicFraction <= 1, "farm.systemic_fraction",
		"must be more than 0 and at most 1, not %v", f.SystemicFraction)
	v.atLeastDur("farm.stale_after", f.StaleAfter, minPeriod)
	v.optional("farm.fresh_every", f.FreshEvery, minFreshEvery)
	v.check(f.SampleEvery.Duration >= 0, "farm.sample_every",
		"must be \"0s\" (every heartbeat) or more, not %q", f.SampleEvery)
	v.check(validRequire.MatchString(f.RequireVersion), "farm.require_version",
		"%q is not a release (like \"1.4.0\"), \"orchestrator\" or \"\"", f.RequireVersion)
}

func (h HealConfig) validate(v *validator) {
	v.atLeastDur("heal.after", h.After, minHeartbeat)
	v.atLeastDur("heal.backoff", h.Backoff, minHeartbeat)
	v.atLeast("heal.restart_attempts", int64(h.RestartAttempts), 0)
	v.check(!h.Reboot || strings.TrimSpace(h.RebootCommand) != "", "heal.reboot_command",
		"must name a command when heal.reboot is true")
}

func (h HealthConfig) validate(v *validator) {
	percent := func(key string, p float64) {
		v.check(p > 0 && p <= 100, key, "must be more than 0 and at most 100, not %v", p)
	}
	percent("health.degraded_memory_percent", h.DegradedMemoryPercent)
	percent("health.degraded_disk_percent", h.DegradedDiskPercent)
	v.check(h.SlowFactor >= 1, "health.slow_factor", "must be at least 1, not %v", h.SlowFactor)
	v.atLeast("health.critical_crashes", int64(h.CriticalCrashes), 1)
	v.argv("health.self_check", h.SelfCheck, true)
}

func (l LogConfig) validate(v *validator) {
	// A segment smaller than a page holds a record or two and churns files.
	v.atLeast("log.segment_bytes", l.SegmentBytes, 4096)
	v.atLeast("log.snapshot_every", int64(l.SnapshotEvery), 1)
	v.atLeast("log.max_build_log", l.MaxBuildLog, 4096)
	v.atLeast("log.build_logs_max_total", l.BuildLogsMaxTotal, l.MaxBuildLog)
	v.atLeastDur("log.build_logs_max_age", l.BuildLogsMaxAge, time.Hour)
	v.check(l.Backend == BackendFile || l.Backend == BackendJetStream, "log.backend",
		"must be %q or %q, not %q", BackendFile, BackendJetStream, l.Backend)
	l.JetStream.validate(v)
}

func (b BinhostConfig) validate(v *validator) {
	// A gpkg is at least a few KiB of tar headers.
	v.atLeast("binhost.max_upload", b.MaxUpload, 4096)
	// Keeping no build would prune what the index must list.
	v.atLeast("binhost.keep", b.Keep, 1)
	// Faster only rewrites the whole index for nothing.
	v.atLeastDur("binhost.index_every", b.IndexEvery, 50*time.Millisecond)
}

func (e ExcludeConfig) validate(v *validator) {
	for _, p := range e.Patterns {
		_, err := path.Match(p, "")
		v.check(p != "" && err == nil, "exclude.patterns", "%q is not a package pattern (like \"cat/*\")", p)
	}
}

func (c CapabilitiesConfig) validate(v *validator) {
	for p, caps := range c.Packages {
		_, err := path.Match(p, "")
		v.check(p != "" && err == nil, "capabilities.packages", "%q is not a package pattern (like \"cat/*\")", p)
		v.check(!slices.Contains(caps, ""), "capabilities.packages", "%q: an empty capability", p)
	}
	for flag, caps := range c.USE {
		v.check(flag != "" && !strings.ContainsAny(flag, " \t"), "capabilities.use", "%q is not a USE flag", flag)
		v.check(!slices.Contains(caps, ""), "capabilities.use", "%q: an empty capability", flag)
	}
	for kw, caps := range c.Keywords {
		v.check(kw != "" && !strings.ContainsAny(kw, " \t~*-"), "capabilities.keywords", "%q is not an arch keyword (like amd64)", kw)
		v.check(!slices.Contains(caps, ""), "capabilities.keywords", "%q: an empty capability", kw)
	}
	for _, m := range []map[string][]string{c.Packages, c.USE, c.Keywords} {
		for k, caps := range m {
			for _, cp := range caps {
				v.check(!strings.Contains(cp, "|"), "capabilities", "%q: capability %q may not contain |", k, cp)
			}
		}
	}
}

func (r RemoteConfig) validate(v *validator, name string) {
	key := "remotes." + joinKey([]string{name})
	v.check(validID.MatchString(name), key, "name must be letters, digits, - and _ (at most 64)")
	u, err := url.Parse(r.URL)
	v.check(err == nil && u.Scheme == "sftp" && u.Hostname() != "" && validPort(u.Port(), true),
		key+".url", "%q is not a deploy target (like \"sftp://user@host:22/path\")", r.URL)
	for _, f := range r.Files {
		base := filepath.Base(f)
		v.check(filepath.IsAbs(f) && !slices.Contains([]string{"swarm", "swarm.prev", "VERSION"}, base),
			key+".files", "%q: must be an absolute path, and not named swarm, swarm.prev or VERSION", f)
	}
	v.check(r.Role == "" || r.Role == RoleDrone || r.Role == RoleOrchestrator || r.Role == RoleBinhost,
		key+".role", "must be %q, %q or %q, not %q", RoleDrone, RoleOrchestrator, RoleBinhost, r.Role)
}

func (d DroneConfig) validate(v *validator, id string) {
	key := "drones." + joinKey([]string{id})
	v.check(validID.MatchString(id), key, "id must be letters, digits, - and _ (at most 64)")
	v.check(validSHA256.MatchString(d.TokenSHA256), key+".token_sha256",
		"must be the 64 lowercase hex digits of the token's SHA-256")
	v.check(!slices.Contains(d.Capabilities, ""), key+".capabilities", "must not contain an empty capability")
	v.check(!slices.ContainsFunc(d.Capabilities, func(c string) bool { return strings.Contains(c, "|") }),
		key+".capabilities", "a capability may not contain |")
	v.atLeast(key+".cores", int64(d.Cores), 0)
	v.atLeast(key+".slots", int64(d.Slots), 0)
}

func (o OperatorConfig) validate(v *validator, name string) {
	key := "operators." + joinKey([]string{name})
	v.check(validID.MatchString(name), key, "name must be letters, digits, - and _ (at most 64)")
	v.check(validSHA256.MatchString(o.TokenSHA256), key+".token_sha256",
		"must be the 64 lowercase hex digits of the token's SHA-256")
	v.check(o.Role == "" || o.Role == RoleOperator || o.Role == RoleReadOnly, key+".role",
		"must be %q or %q, not %q", RoleOperator, RoleReadOnly, o.Role)
}

var (
	// Drone ids and remote names are bare TOML keys without dots, so they
	// can be written in dotted keys (drones.ID.cores) and table headers.
	validID     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	validSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// validRequire is farm.require_version: empty, "orchestrator" or a
	// release number commands.CompareReleases can order.
	validRequire = regexp.MustCompile(`^(|orchestrator|v?[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.-]+)?)$`)
)

func validHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	return err == nil && validPort(port, false)
}

func validPort(port string, empty bool) bool {
	if port == "" {
		return empty
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
