package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/swarm-build/swarm/api"
)

// ErrRefused is the orchestrator refusing the token (or its absence).
var ErrRefused = errors.New("the orchestrator refused the token (swarm operators add; --token-file)")

// ErrUnreachable is no orchestrator answering at the URL.
var ErrUnreachable = errors.New("no orchestrator answers")

// Options say where the monitor reads from and writes to.
type Options struct {
	URL   string // the orchestrator, http://host:port
	Token string // an operator's token; "" on loopback
	In    io.Reader
	Out   io.Writer
	// Tick is how often elapsed times, the rate and the ETA move; 0: 1s.
	Tick time.Duration
}

// Check asks the orchestrator's status view once, so a wrong URL or token
// is one clear error before the screen is taken over.
func Check(ctx context.Context, base, token string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/"+api.Version+"/status", nil)
	if err != nil {
		return fmt.Errorf("orchestrator %q: %w", base, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s", ErrUnreachable, base)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrRefused
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("orchestrator at %s: its status view answered HTTP %d", base, resp.StatusCode)
	}
	return nil
}

// Run shows the monitor until the operator quits or ctx ends: it follows
// the orchestrator's event stream from its first event, folding each into
// the model, and reconnects (resuming where it was) when the stream drops.
// Check the URL and token first: Run takes the screen at once.
func Run(ctx context.Context, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(o.URL, cmpOr(o.Tick, time.Second))
	m.FetchLogs(func(atom string) tea.Cmd {
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			l, err := api.FetchBuildLog(ctx, http.DefaultClient, o.URL, o.Token, atom, false)
			return BuildLogMsg{Atom: atom, Attempt: l.Attempt, Drone: l.Drone, Text: string(l.Text), Err: err}
		}
	})
	m.FetchRoster(func() tea.Cmd {
		return func() tea.Msg {
			rows, err := fetchRoster(ctx, o.URL, o.Token)
			return RosterMsg{Rows: rows, Err: err}
		}
	})
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(o.In), tea.WithOutput(o.Out))
	go follow(ctx, api.NewEventStream(o.URL, o.Token, nil), p)
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// batchMax bounds the events one message carries.
const batchMax = 1024

// follow sends the stream's events to the program in batches: the first
// fold of a long log is thousands of events at once, and the program draws
// the screen after each message, not after each event. Events a newer
// server knows and this release does not are skipped.
func follow(ctx context.Context, s *api.EventStream, p *tea.Program) {
	ch := make(chan EventMsg, batchMax)
	go func() {
		for e := range ch {
			batch := []EventMsg{e}
		drain:
			for len(batch) < batchMax {
				select {
				case e, ok := <-ch:
					if !ok {
						break drain
					}
					batch = append(batch, e)
				default:
					break drain
				}
			}
			p.Send(batch)
		}
	}()
	err := s.Follow(ctx, 0, func(se api.StreamEvent) error {
		if e, err := se.Event(); err == nil {
			select {
			case ch <- EventMsg{Event: e}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	close(ch)
	if ctx.Err() == nil {
		if errors.Is(err, api.ErrUnauthorized) {
			err = ErrRefused
		}
		p.Send(StreamErrMsg{Err: err})
	}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
