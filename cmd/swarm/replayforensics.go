package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/forensics"
	"github.com/swarm-build/swarm/projections"
)

// timeFlag is an RFC 3339 time.
type timeFlag struct {
	text string
	time time.Time
}

func (f *timeFlag) String() string { return f.text }
func (f *timeFlag) Type() string   { return "TIME" }
func (f *timeFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("%q is not an RFC 3339 time (like 2026-02-05T10:30:00Z)", s)
	}
	*f = timeFlag{text: s, time: t}
	return nil
}

// checkModes refuses flags that do not go together (exit 2).
func (o *replayOptions) checkModes(cmd *cobra.Command) error {
	modes := 0
	for _, on := range []bool{o.Explain != "", o.Incidents, len(o.WhatIf) > 0, o.Bundle != ""} {
		if on {
			modes++
		}
	}
	switch {
	case modes > 1:
		return usageErrorf(cmd, "--explain, --incidents, --what-if and --bundle are one at a time")
	case o.Bundle != "" && o.FromBundle != "":
		return usageErrorf(cmd, "--bundle and --from-bundle are one at a time")
	case o.Since.text != "" && !o.Incidents && o.Bundle == "":
		return usageErrorf(cmd, "--since goes with --incidents or --bundle")
	case o.Drone != "" && (o.Incidents || len(o.WhatIf) > 0 || o.Bundle != ""):
		return usageErrorf(cmd, "--drone goes with the view or --explain")
	}
	return nil
}

// runForensics runs --incidents, --what-if or --bundle on the state folder.
func (o *replayOptions) runForensics(ctx context.Context, store *commands.Store) error {
	until, err := o.untilSeq(ctx, store.Log())
	if err != nil {
		return err
	}
	dir, err := o.app.stateDir()
	if err != nil {
		return err
	}
	cfgText, err := configText(dir)
	if err != nil {
		return err
	}
	if o.Bundle != "" {
		return o.writeBundle(ctx, store, dir, cfgText, until)
	}
	return o.analyse(ctx, forensics.Until(store.Log(), until), cfgText, until)
}

// runFromBundle replays a bundle: any view, with no state folder.
func (o *replayOptions) runFromBundle(ctx context.Context) error {
	f, err := os.Open(o.FromBundle)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	b, err := forensics.ReadBundle(f)
	if err != nil {
		return fmt.Errorf("replay: %s: %w", o.FromBundle, err)
	}
	until, err := o.untilSeq(ctx, b)
	if err != nil {
		return err
	}
	if until > b.Manifest.Last {
		return fmt.Errorf("replay: --until %d is past the end of the bundle (seq %d)", until, b.Manifest.Last)
	}
	cfgText := b.Config
	if cfgText == nil {
		cfgText = config.Template()
	}
	if o.Incidents || len(o.WhatIf) > 0 {
		return o.analyse(ctx, forensics.Until(b, until), cfgText, until)
	}
	st, err := projections.Replay(ctx, b, nil, until)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	return o.show(ctx, b, st)
}

// untilSeq is --until as a sequence number (0: the end).
func (o *replayOptions) untilSeq(ctx context.Context, src projections.Source) (uint64, error) {
	if !o.Until.isTime {
		return o.Until.seq, nil
	}
	seq, err := seqAtTime(ctx, src, o.Until.time)
	if err == nil && seq == 0 {
		err = fmt.Errorf("replay: no event at or before %s", o.Until.text)
	}
	return seq, err
}

// configText is the state folder's config.toml, or the defaults' text.
func configText(dir string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, config.FileName))
	if errors.Is(err, os.ErrNotExist) {
		return config.Template(), nil
	}
	return data, err
}

// analyse runs --incidents or --what-if over src.
func (o *replayOptions) analyse(ctx context.Context, src projections.Source, cfgText []byte, until uint64) error {
	cfg, err := config.Parse(cfgText)
	if err != nil {
		return fmt.Errorf("replay: the config in force: %w", err)
	}
	rules := commands.RulesFrom(cfg)
	if o.Incidents {
		found, err := forensics.Find(ctx, src, rules.SystemicWindow, o.Since.time)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		if o.JSON {
			return writeJSON(o.app.out, found)
		}
		printIncidents(o.app.out, found, palette{o.app.colour(o.app.out)})
		return nil
	}
	tried, err := forensics.WithSettings(cfgText, o.WhatIf)
	if err != nil {
		return &usageError{cmd: "swarm replay", err: fmt.Errorf("--what-if: %w", err)}
	}
	newCfg, err := config.Parse(tried)
	if err != nil {
		return &usageError{cmd: "swarm replay", err: fmt.Errorf("--what-if: %w", err)}
	}
	rep, err := forensics.WhatIf{Recorded: rules, Rules: commands.RulesFrom(newCfg), Base: cfgText, Tried: o.WhatIf}.Run(ctx, src, until)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if o.JSON {
		return writeJSON(o.app.out, rep)
	}
	printWhatIf(o.app.out, o.WhatIf, rep, palette{o.app.colour(o.app.out)})
	return nil
}
