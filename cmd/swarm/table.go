package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// table lays out tab-separated rows in columns, like text/tabwriter, but
// fits them to the terminal: when the rows are wider than it, the widest
// columns are cut, each cut cell ending in "…", so a row never wraps in
// the middle of a word. Write rows with fmt.Fprintf(t, "a\tb\n"), then
// Flush.
type table struct {
	w     io.Writer
	width int // 0: no limit
	buf   bytes.Buffer
}

// minColumn is how narrow fitting may make a column.
const minColumn = 4

// newTable returns a table for w, as wide as the terminal w is (or as
// $COLUMNS says); output that is not a terminal is not cut, so scripts
// and pipes see every character.
func newTable(w io.Writer) *table { return &table{w: w, width: outputWidth(w)} }

// outputWidth is the number of columns output to w may use: $COLUMNS when
// set, else the terminal's width, else 0 (no limit).
func outputWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if isTerminal(w) {
		return termWidth(w)
	}
	return 0
}

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the rows, laid out.
func (t *table) Flush() error {
	var rows [][]string
	for line := range strings.Lines(t.buf.String()) {
		rows = append(rows, strings.Split(strings.TrimSuffix(line, "\n"), "\t"))
	}
	t.buf.Reset()
	widths := fit(columnWidths(rows), t.width)
	var out strings.Builder
	for _, row := range rows {
		var line strings.Builder
		for i, cell := range row {
			cell = cut(cell, widths[i])
			line.WriteString(cell)
			if i < len(row)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		out.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

func columnWidths(rows [][]string) []int {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	return widths
}

// fit narrows the widest columns, one character at a time, until the row
// (with two spaces between columns) fits in limit, or every column is at
// minColumn. limit 0 leaves the widths alone.
func fit(widths []int, limit int) []int {
	if limit <= 0 || len(widths) == 0 {
		return widths
	}
	total := 2 * (len(widths) - 1)
	for _, w := range widths {
		total += w
	}
	for total > limit {
		widest := 0
		for i, w := range widths {
			if w > widths[widest] {
				widest = i
			}
		}
		if widths[widest] <= minColumn {
			break
		}
		widths[widest]--
		total--
	}
	return widths
}

// cut shortens s to n runes, ending in "…" when anything was cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}
