package portage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrEmergeLog: an emerge.log line that cannot be read (a timestamp that is
// not one, a merge line without a package). The error is an
// *EmergeLogError naming the line.
var ErrEmergeLog = errors.New("portage: bad emerge.log")

// EmergeLogError is an ErrEmergeLog at one line of the input.
type EmergeLogError struct {
	Line int
	Err  error
}

func (e *EmergeLogError) Error() string {
	return fmt.Sprintf("emerge.log line %d: %v", e.Line, e.Err)
}

func (e *EmergeLogError) Unwrap() []error { return []error{ErrEmergeLog, e.Err} }

// Merge is one package merged to completion, as /var/log/emerge.log
// records it:
//
//	1517699507:  >>> emerge (2 of 56) dev-libs/icu-60.2 to /
//	1517699610:  ::: completed emerge (2 of 56) dev-libs/icu-60.2 to /
type Merge struct {
	CPV        string // as logged: "dev-libs/icu-60.2"
	Start, End time.Time
	Duration   time.Duration // End - Start
	Line       int           // of the ">>> emerge" line
	// Binary is set when the package was installed from a binary package
	// ("=== (1 of 1) Merging Binary (...)"), so Duration is an install
	// time, not a build time.
	Binary bool
}

// ParseEmergeLog reads an emerge.log and returns its completed merges in
// the order they completed. Each ">>> emerge (i of n) CPV to ROOT" is
// paired with the next "::: completed emerge ... CPV" of the same CPV; a
// merge that never completes (failed, interrupted, or cut off at either
// end of the file) is left out, and a later start of the same CPV replaces
// it. Every other line (sync, unmerge, "*** terminating.") is skipped, but
// every line must begin with a Unix timestamp and a colon: a line that
// does not is an *EmergeLogError matching ErrEmergeLog.
func ParseEmergeLog(r io.Reader) ([]Merge, error) {
	var lp emergeLogParser
	lp.started = map[string]Merge{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lp.line++
		if err := lp.parseLine(sc.Text()); err != nil {
			return nil, &EmergeLogError{Line: lp.line, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &EmergeLogError{Line: lp.line + 1, Err: fmt.Errorf("read: %w", err)}
	}
	return lp.merges, nil
}

type emergeLogParser struct {
	line    int
	started map[string]Merge // by CPV: merges begun and not yet completed
	merges  []Merge
}

func (lp *emergeLogParser) parseLine(line string) error {
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return nil
	}
	stamp, text, ok := strings.Cut(line, ":")
	if !ok || stamp == "" || !allDigits(stamp) {
		return fmt.Errorf("%q does not begin with a Unix timestamp and a colon", abbreviate(line))
	}
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", stamp, err)
	}
	at := time.Unix(sec, 0).UTC()
	text = strings.TrimLeft(text, " ")
	switch {
	case strings.HasPrefix(text, ">>> emerge ("):
		cpv, err := mergeCPV(text)
		if err != nil {
			return err
		}
		lp.started[cpv] = Merge{CPV: cpv, Start: at, Line: lp.line}
	case strings.HasPrefix(text, "::: completed emerge ("):
		cpv, err := mergeCPV(text)
		if err != nil {
			return err
		}
		if m, ok := lp.started[cpv]; ok {
			delete(lp.started, cpv)
			m.End, m.Duration = at, at.Sub(m.Start)
			lp.merges = append(lp.merges, m)
		}
	case strings.HasPrefix(text, "=== (") && strings.Contains(text, ") Merging Binary ("):
		lp.markBinary(text)
	}
	return nil
}

// mergeCPV takes the CPV out of ">>> emerge (i of n) CPV to ROOT" or
// "::: completed emerge (i of n) CPV to ROOT".
func mergeCPV(text string) (string, error) {
	_, rest, _ := strings.Cut(text, ") ")
	cpv, _, _ := strings.Cut(rest, " ")
	if _, err := ParsePackage(cpv); err != nil {
		return "", err
	}
	return cpv, nil
}

// markBinary notes that the started merge of
// "=== (1 of 1) Merging Binary (CPV::/path/to/file.gpkg.tar)" installs a
// binary package.
func (lp *emergeLogParser) markBinary(text string) {
	_, rest, _ := strings.Cut(text, ") Merging Binary (")
	cpv, _, _ := strings.Cut(rest, "::")
	if m, ok := lp.started[cpv]; ok {
		m.Binary = true
		lp.started[cpv] = m
	}
}

func abbreviate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// DurationWindow is how many of a package's latest builds Durations
// takes the median of.
const DurationWindow = 5

// Durations returns the expected build duration of each package, by CP
// (cat/name): the median of its DurationWindow most recent builds.
//
// Why the median of the recent ones, rather than the most recent build or
// the median of all: one build can be far off (ccache warm or cold, a
// machine busy with other builds, a merge resumed after a failure), and
// the median ignores it; but packages grow (a new LLVM major version builds
// for longer than the one of two years ago), so builds older than the last
// few should not vote. With an even count the two middle builds are
// averaged.
//
// Binary merges are left out (their time is an install, not a build), and
// so are negative durations (the clock stepped back during the merge).
// Merges must be in completion order, as ParseEmergeLog returns them.
func Durations(ms []Merge) map[string]time.Duration {
	byCP := map[string][]time.Duration{}
	for _, m := range ms {
		if m.Binary || m.Duration < 0 {
			continue
		}
		p, err := ParsePackage(m.CPV)
		if err != nil {
			continue
		}
		byCP[p.CP()] = append(byCP[p.CP()], m.Duration)
	}
	out := make(map[string]time.Duration, len(byCP))
	for cp, ds := range byCP {
		out[cp] = median(ds[max(0, len(ds)-DurationWindow):])
	}
	return out
}

// median returns the median of ds (left unchanged), which is not empty.
func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	return ds[n/2-1] + (ds[n/2]-ds[n/2-1])/2
}
