package portage

import (
	"bytes"
	"strings"
)

// headlineMarkers are the lines, in order of preference, that say why an
// emerge failed when portage's die() block is absent: its "!!!" messages
// and emerge's own one-line refusals.
var headlineMarkers = [][]byte{
	[]byte("!!! "),
	[]byte("emerge: there are no ebuilds"),
	[]byte("Killed signal terminated program"),
}

// ErrorHeadline returns the one line of a failed build's output that an
// operator reads first: portage's " * ERROR: … failed (… phase):" line,
// else its first "!!!" message (fetch failures, slot conflicts) or
// emerge's refusal, else the last non-empty line. A drone's excerpt begins
// with emerge's own banner ("Calculating dependencies…"), so its first line
// says nothing about the failure. Colour codes are removed and the line is
// trimmed; "" when the output has no text.
func ErrorHeadline(output []byte) string {
	clean := ansiEscape.ReplaceAll(output, nil)
	var last []byte
	var marked []byte
	rank := len(headlineMarkers)
	for line := range bytes.Lines(clean) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		last = t
		if errorLine.Match(line) || phaseFailure.Match(t) {
			return string(t)
		}
		for i, m := range headlineMarkers[:rank] {
			if bytes.Contains(t, m) {
				marked, rank = t, i
				break
			}
		}
	}
	if marked != nil {
		last = marked
	}
	return strings.TrimSpace(string(last))
}
