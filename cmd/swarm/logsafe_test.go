package main

import (
	"errors"
	"strings"
	"testing"

	charmlog "github.com/charmbracelet/log"
)

// TestLoggerEscapesControls: what serve and drone log about drones and
// builds (reasons, errors, ids; multi-line or not) reaches stderr with no
// raw control character, and the escape shows.
func TestLoggerEscapesControls(t *testing.T) {
	a, _, errOut := testApp()
	log := a.newLoggerAt(charmlog.InfoLevel).With("drone", "d1\x1b[2J")
	log.Warn("returned\x1b]0;t\x07",
		"reason", "line one\n\x1b[31mline two",
		"err", errors.New("refused: \x1b[8mhidden"),
		"capabilities", []string{"amd64\x1b[5m"},
		"fence", 42)
	got := errOut.String()
	if strings.ContainsAny(got, "\x1b\x07") {
		t.Errorf("raw control in the log line: %q", got)
	}
	for _, want := range []string{`d1\x1b[2J`, `returned\x1b]0;t\a`, `line one\n\x1b[31mline two`, `\x1b[8mhidden`, `amd64\x1b[5m`, "fence=42"} {
		if !strings.Contains(got, want) {
			t.Errorf("log line %q does not show %q", got, want)
		}
	}
}
