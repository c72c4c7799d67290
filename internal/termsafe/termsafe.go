// Package termsafe makes text from outside safe to print on an operator's
// terminal. Much of what swarm shows comes from elsewhere: drones report
// their health, tree, version and capabilities; failures carry reasons,
// signatures and excerpts of build logs (which are full of colour codes);
// operators and scripts give reasons. A control character in any of them,
// printed raw, is an instruction to the terminal: it can recolour or clear
// the screen, move the cursor to overwrite what was printed before, set the
// window title, or, on some terminals, write to the clipboard or answer
// back into the shell.
//
// Every human output of swarm passes such text through Line (one-line
// fields: ids, reasons, table cells) or Block (text that is multi-line by
// design: a log excerpt). Both show a control character as a visible
// escape in Go's notation, the one strconv.Quote uses: "\x1b", "\r",
// "\u009b"; --json output needs none of this (encoding/json escapes every
// control character as \u001b and the like).
//
// What counts as a control: C0 (U+0000–U+001F), DEL (U+007F), C1
// (U+0080–U+009F), every other rune unicode.IsPrint rejects (bidirectional
// overrides that reorder what is shown, zero-width and format characters,
// spaces other than ' ', unassigned code points), and bytes that are not
// UTF-8 (a lone 0x9b is CSI to an 8-bit terminal). A backslash is left as
// it is: the escapes are for an eye, not to be parsed back.
package termsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s with every control character, newlines and tabs
// included, shown as a visible escape: "red\x1b[31m" prints as
// `red\x1b[31m`. Text with nothing to escape is returned as it is.
func Line(s string) string {
	if clean(s, false) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		writeRune(&b, s[i:i+n], r)
		i += n
	}
	return b.String()
}

// Block returns s for printing as several lines: newlines and tabs are
// kept, a "\r\n" line end becomes "\n", complete CSI sequences (colour and
// cursor codes such as "\x1b[31;01m", which build logs are full of) are
// removed, and every other control character is shown as Line shows it.
func Block(s string) string {
	if clean(s, true) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if n := csiLen(s[i:]); n > 0 {
			i += n
			continue
		}
		if strings.HasPrefix(s[i:], "\r\n") {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\n' || r == '\t' {
			b.WriteRune(r)
		} else {
			writeRune(&b, s[i:i+n], r)
		}
		i += n
	}
	return b.String()
}

// clean reports whether s has nothing to escape; with multiline, newlines
// and tabs are allowed.
func clean(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case multiline && (c == '\n' || c == '\t'):
		case c < 0x20 || c == 0x7f:
			return false
		case c >= utf8.RuneSelf:
			return cleanRunes(s[i:], multiline)
		}
	}
	return true
}

// cleanRunes is clean for text that is not all ASCII.
func cleanRunes(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if control(r, n) && !(multiline && (r == '\n' || r == '\t')) {
			return false
		}
		i += n
	}
	return true
}

// control reports whether the rune r, n bytes long in its text, must be
// escaped (n == 1 with RuneError: a byte that is not UTF-8).
func control(r rune, n int) bool {
	if r == utf8.RuneError && n == 1 {
		return true
	}
	return r != ' ' && !unicode.IsPrint(r)
}

// writeRune writes the rune r, whose bytes in the text are raw, as it is
// or as its escape.
func writeRune(b *strings.Builder, raw string, r rune) {
	if !control(r, len(raw)) {
		b.WriteString(raw)
		return
	}
	if r == utf8.RuneError && len(raw) == 1 {
		b.WriteString(`\x`)
		b.WriteString(strconv.FormatUint(uint64(raw[0])|0x100, 16)[1:]) // two hex digits
		return
	}
	q := strconv.QuoteRune(r) // '\x1b', '\n', '\u009b'
	b.WriteString(q[1 : len(q)-1])
}

// csiLen returns the length of the CSI sequence s starts with (ESC '['
// parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, a final byte
// 0x40–0x7E, as ECMA-48 defines it), or 0 if it does not start with a
// complete one.
func csiLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	i := 2
	for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3f {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		return i + 1
	}
	return 0
}
