package portage

import (
	"bytes"
	"regexp"
)

// How much ErrorContext shows.
const (
	contextBefore = 20 // lines before portage's ERROR block
	contextTail   = 40 // lines of a log without one
)

// errorLine is the first line of portage's error block, as ebuild.sh's die
// prints it: " * ERROR: app-misc/broken-0.1::farm failed (compile phase):".
var errorLine = regexp.MustCompile(`^ \* ERROR: \S+ failed(?: \([a-z]+ phase\))?:`)

// ErrorContext returns the part of a build log an operator reads first:
// portage's first " * ERROR: … failed (… phase):" block (its " *" lines)
// with the contextBefore lines before it; else the last contextTail lines.
// It returns a sub-slice of log's lines joined by '\n', ending in '\n'.
func ErrorContext(log []byte) []byte {
	lines := bytes.SplitAfter(log, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	start, end := -1, 0
	for i, l := range lines {
		if errorLine.Match(l) {
			start, end = i, i+1
			break
		}
	}
	if start < 0 {
		return joinLines(lines[max(len(lines)-contextTail, 0):])
	}
	for end < len(lines) && bytes.HasPrefix(lines[end], []byte(" *")) {
		end++
	}
	return joinLines(lines[max(start-contextBefore, 0):end])
}

func joinLines(lines [][]byte) []byte {
	out := bytes.Join(lines, nil)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out
}
