// Package fresh is the pipeline that replaces the farm's queue with what
// the world set needs now: sync the portage tree, run emerge --pretend (or
// read its saved output), map the USE flags, plan the dependencies from
// the tree's md5-cache, and hand the plan to commands.Fresh in one append.
// `swarm fresh` and the server's scheduled fresh (farm.fresh_every) both
// run it, so the two can never plan differently.
package fresh

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/portage"
)

// The tree's files where a Gentoo machine keeps them.
const (
	// TreeFile is where portage records when the tree was last synced;
	// its first line is the tree's identity unless Options.Tree says
	// otherwise.
	TreeFile = "/var/db/repos/gentoo/metadata/timestamp.chk"
	// MD5CacheDir is the tree's metadata cache: the dependencies of every
	// ebuild, which order the builds.
	MD5CacheDir = "/var/db/repos/gentoo/metadata/md5-cache"
)

// ErrNoPlan: the input holds no package lines and emerge did not say it
// has nothing to merge (empty output, say, when emerge is missing). The
// queue is untouched.
var ErrNoPlan = errors.New("no package lines in the input, and emerge did not say it has nothing to merge; " +
	"is it emerge --pretend output? The queue is untouched")

// Options say where the plan comes from and how it is applied.
type Options struct {
	// Input is saved emerge --pretend output; nil: sync (unless NoSync)
	// and run Pretend.
	Input   []byte
	Sync    [][]string // commands tried in order until one succeeds (build.sync)
	Pretend []string   // the pretend command (build.pretend)
	NoSync  bool
	// Tree is the tree's identity; "" reads TreeFile's first line.
	Tree string
	// MD5Cache is the metadata: a folder, or the TSV form (gzipped or not)
	// of testdata/graph; "" uses MD5CacheDir when it exists.
	MD5Cache string
	Full     bool // queue built packages again too
	Routing  commands.Routing
	Actor    string       // who the events are by; "" is the operator
	Output   io.Writer    // where the sync and pretend commands' output goes; nil discards it
	Logger   *slog.Logger // warnings (no md5-cache, unknown tree); nil discards them
}

// Result is what a fresh did.
type Result struct {
	Plan commands.FreshPlan
	Diff commands.FreshDiff
}

// Run plans the queue and replaces it in store, or fails leaving the
// queue untouched.
func Run(ctx context.Context, store *commands.Store, o Options) (Result, error) {
	o.defaults()
	input := o.Input
	if input == nil {
		if !o.NoSync {
			if err := syncTree(ctx, o); err != nil {
				return Result{}, err
			}
		}
		var err error
		if input, err = runPretend(ctx, o); err != nil {
			return Result{}, fmt.Errorf("fresh: %w; the queue is untouched", err)
		}
	}
	fp, err := Plan(input, o)
	if err != nil {
		return Result{}, err
	}
	var diff commands.FreshDiff
	if _, err := store.Execute(ctx, commands.Fresh(o.Actor, fp, o.Routing, &diff)); err != nil {
		return Result{}, fmt.Errorf("fresh: %w", err)
	}
	return Result{Plan: fp, Diff: diff}, nil
}

func (o *Options) defaults() {
	if o.Output == nil {
		o.Output = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Actor == "" {
		o.Actor = commands.ActorOperator
	}
}

// Plan turns emerge --pretend output into the queue's plan: the builds
// with their USE flags (USE_EXPAND ones as name_value), dependencies and
// keywords, the binaries counted, and the tree's identity.
func Plan(input []byte, o Options) (commands.FreshPlan, error) {
	o.defaults()
	plan, err := portage.ParsePretend(bytes.NewReader(input))
	if err != nil {
		return commands.FreshPlan{}, fmt.Errorf("fresh: the plan cannot be used; the queue is untouched: %w", err)
	}
	tree := o.Tree
	if tree == "" {
		if tree = readTreeID(TreeFile); tree == "" {
			o.Logger.Warn("the tree's identity is unknown (no --tree, no " + TreeFile + "): drones' trees will not be checked")
		}
	}
	fp := commands.FreshPlan{Tree: tree, Binaries: len(plan.Binaries()), Full: o.Full}
	var atoms []portage.Atom
	var uses [][]string
	for _, e := range plan.Builds() {
		use := useFlags(e)
		fp.Builds = append(fp.Builds, commands.FreshPackage{Atom: e.Package.Key(), Use: use})
		atoms, uses = append(atoms, e.Package), append(uses, use)
	}
	if err := planDeps(o, fp.Builds, atoms, uses); err != nil {
		return commands.FreshPlan{}, err
	}
	if len(fp.Builds)+fp.Binaries == 0 && !plan.NothingToDo {
		return commands.FreshPlan{}, fmt.Errorf("fresh: %w", ErrNoPlan)
	}
	return fp, nil
}

// useFlags are a build's enabled flags: USE as they are, USE_EXPAND
// variables as name_value (python_targets_python3_12).
func useFlags(e portage.PretendEntry) []string {
	var use []string
	for name := range e.Vars {
		for _, f := range e.Enabled(name) {
			if name == "USE" {
				use = append(use, f)
			} else {
				use = append(use, strings.ToLower(name)+"_"+f)
			}
		}
	}
	return use
}

// readTreeID returns the first line of path, or "" if it cannot be read.
func readTreeID(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// syncTree runs the sync commands in order until one succeeds: a mirror
// outage falls back to the next (emerge --sync, then emerge-webrsync).
func syncTree(ctx context.Context, o Options) error {
	var errs []error
	for _, argv := range o.Sync {
		if len(argv) == 0 {
			continue
		}
		c := exec.CommandContext(ctx, argv[0], argv[1:]...)
		c.Stdout, c.Stderr = o.Output, o.Output
		o.Logger.Info("syncing the tree", "command", argv)
		if err := c.Run(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", strings.Join(argv, " "), err))
			continue
		}
		return nil
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("fresh: every sync command failed; the queue is untouched: %w", errors.Join(errs...))
}

// runPretend runs the pretend command and returns its output.
func runPretend(ctx context.Context, o Options) ([]byte, error) {
	argv := o.Pretend
	if len(argv) == 0 {
		return nil, errors.New("build.pretend is empty: set it, or pass --from")
	}
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, stderr bytes.Buffer
	c.Stdout, c.Stderr = &out, io.MultiWriter(o.Output, &stderr)
	if err := c.Run(); err != nil {
		// emerge exits 1 on a slot conflict, masked packages …, and
		// prints why, mostly on stderr: name it rather than say "exit
		// status 1".
		both := io.MultiReader(bytes.NewReader(out.Bytes()), strings.NewReader("\n"), bytes.NewReader(stderr.Bytes()))
		var ee *exec.ExitError
		if _, perr := portage.ParsePretend(both); perr != nil && errors.As(err, &ee) && ee.ExitCode() == 1 {
			return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), perr)
		}
		return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return out.Bytes(), nil
}

// planDeps fills each build's dependencies from the tree's md5-cache. No
// metadata is not an error (the plan's order then stands), but a cache that
// is there and does not load is.
func planDeps(o Options, builds []commands.FreshPackage, atoms []portage.Atom, uses [][]string) error {
	path := o.MD5Cache
	if path == "" {
		if fi, err := os.Stat(MD5CacheDir); err != nil || !fi.IsDir() {
			o.Logger.Warn("no md5-cache (" + MD5CacheDir + "): builds go in the plan's order, without dependency gating")
			return nil
		}
		path = MD5CacheDir
	}
	ebuilds, err := LoadMD5Cache(path)
	if err != nil {
		return fmt.Errorf("fresh: %w", err)
	}
	deps, unknown := portage.PlanDeps(ebuilds, atoms, uses)
	if len(unknown) > 0 {
		o.Logger.Warn("packages missing from the md5-cache wait for nothing", "count", len(unknown), "first", unknown[0])
	}
	keywords := make(map[string][]string, len(ebuilds))
	for _, e := range ebuilds {
		keywords[e.Package.CPV()] = e.Keywords
	}
	for i := range builds {
		builds[i].Deps = deps[i]
		builds[i].Keywords = keywords[atoms[i].CPV()]
	}
	return nil
}

// LoadMD5Cache reads a metadata/md5-cache folder, or the TSV form (gzipped
// or not) of testdata/graph.
func LoadMD5Cache(path string) ([]portage.Ebuild, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return portage.LoadMD5Cache(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	ebuilds, err := portage.ReadMD5CacheTSV(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ebuilds, nil
}
