package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
)

// Drone is a demo drone's identity.
type Drone struct {
	ID    string
	Token string // its bearer token; config.toml keeps only the hash
}

// Setup says how to configure a demo farm.
type Setup struct {
	Exe    string // the swarm binary: the drones' build command
	Plan   Plan
	Drones int    // how many drones to admit
	Slots  int    // builds each drone runs at once
	Marks  string // the folder where the build command records first attempts
}

// quickFarm are the settings that make a farm quick enough to watch: a
// heartbeat a second, leases of seconds, and a free loopback port. The
// drones share this machine, so its memory and disk use say nothing about
// any one of them: they are not allowed to make a drone degraded.
var quickFarm = [][2]string{
	{"server.listen", `"127.0.0.1:0"`},
	{"server.maintenance_every", `"250ms"`},
	{"farm.heartbeat", `"1s"`},
	{"farm.lease", `"5s"`},
	{"health.degraded_memory_percent", "100.0"},
	{"health.degraded_disk_percent", "100.0"},
}

// Configure prepares the state folder stateDir (made by `swarm init`) for a
// demo: it writes the quick settings and the build command into
// config.toml, admits s.Drones drones and enqueues the plan's packages. It
// returns the drones with their tokens.
func Configure(ctx context.Context, stateDir string, s Setup, logger *slog.Logger) ([]Drone, error) {
	path := filepath.Join(stateDir, config.FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sets := append([][2]string{}, quickFarm...)
	sets = append(sets, [2]string{"build.command", config.TOMLValue(BuildCommand(s.Exe, s.Plan, s.Marks))})
	drones := make([]Drone, s.Drones)
	for i := range drones {
		token, err := newToken()
		if err != nil {
			return nil, err
		}
		drones[i] = Drone{ID: fmt.Sprintf("demo-%d", i+1), Token: token}
		key := "drones." + drones[i].ID + "."
		sets = append(sets,
			[2]string{key + "token_sha256", config.TOMLValue(config.TokenHash(token))},
			[2]string{key + "slots", config.TOMLValue(s.Slots)})
	}
	for _, kv := range sets {
		if data, err = config.Set(data, kv[0], kv[1]); err != nil {
			return nil, fmt.Errorf("configure the demo: %w", err)
		}
	}
	if err := config.WriteFile(path, data); err != nil {
		return nil, err
	}
	return drones, enqueue(ctx, stateDir, s.Plan.Atoms(), logger)
}

// BuildCommand is the demo drones' build command: this binary's hidden
// `demo build` verb, with the plan's speedup and its failing package.
func BuildCommand(exe string, p Plan, marks string) []string {
	argv := []string{exe, "demo", "build", "--speedup", strconv.FormatFloat(p.Speedup, 'g', -1, 64)}
	if p.FailFirst != "" {
		argv = append(argv, "--fail-first", p.FailFirst, "--marks", marks)
	}
	return append(argv, "{atom}")
}

// enqueue adds atoms to the queue as `swarm enqueue` does.
func enqueue(ctx context.Context, stateDir string, atoms []string, logger *slog.Logger) error {
	store, err := commands.OpenStore(stateDir, commands.StoreOptions{Logger: logger})
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Execute(ctx, commands.Enqueue(commands.ActorOperator, atoms)); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// newToken returns a fresh drone token: 256 random bits, URL-safe base64.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
