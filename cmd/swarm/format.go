package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/termsafe"
)

// writeJSON prints v as indented JSON followed by a newline. Atoms and
// excerpts are printed as they are (no HTML escaping of <, > and &).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeJSONLine prints v as compact JSON on one line.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// groupDigits prints n with thousands separators: 4637 → "4,637".
func groupDigits(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// plural returns "1 package" or "3 packages".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupDigits(uint64(max(n, 0))) + " " + many
}

// trimFloat prints f without a needless fraction: 8 → "8", 8.25 → "8.3".
func trimFloat(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// shortTime is a time for an operator's eye, in the local zone.
func shortTime(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04")
}

// stampTime is an exact time in UTC, to the millisecond the log keeps,
// that `swarm replay --until` accepts as it is.
func stampTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// ago says how long before now t was: "just now", "5 minutes ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in " + roughDuration(-d)
	}
	if d < time.Minute {
		return "just now"
	}
	return roughDuration(d) + " ago"
}

// roughDuration prints d in its largest whole unit: "12 hours".
func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return plural(int(d/time.Second), "second", "seconds")
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour", "hours")
	}
	return plural(int(d/(24*time.Hour)), "day", "days")
}

// palette colours text with ANSI escapes, or not at all when off.
type palette struct{ on bool }

// paint colours s. What is painted is a line of a view and may carry text
// from outside (a drone's tree, a pause's reason), so it is escaped first
// (termsafe.Line), coloured or not: the palette's own escapes are the only
// ones that reach the terminal.
func (p palette) paint(code, s string) string {
	s = termsafe.Line(s)
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) bold(s string) string   { return p.paint("1", s) }
func (p palette) dim(s string) string    { return p.paint("2", s) }
func (p palette) red(s string) string    { return p.paint("31", s) }
func (p palette) green(s string) string  { return p.paint("32", s) }
func (p palette) yellow(s string) string { return p.paint("33", s) }

// orDash prints "-" for an empty cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// percent prints a share as "98.2%".
func percent(part, whole uint64) string {
	if whole == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}
