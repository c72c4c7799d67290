package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTableFits(t *testing.T) {
	rows := [][]string{
		{"ATOM", "STATE", "DRONE"},
		{"dev-qt/qtwebengine-5.15.2_p20210521-r1:5/5.15::gentoo", "building", "a-drone-with-a-very-long-name-indeed"},
		{"app-misc/hello-1.0", "needed", "-"},
	}
	for _, width := range []int{0, 200, 80, 60, 40} {
		var b bytes.Buffer
		tb := &table{w: &b, width: width}
		for _, r := range rows {
			fmt.Fprintln(tb, strings.Join(r, "\t"))
		}
		if err := tb.Flush(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != len(rows) {
			t.Fatalf("width %d: %d lines, want %d:\n%s", width, len(lines), len(rows), b.String())
		}
		for _, l := range lines {
			if width > 0 && utf8.RuneCountInString(l) > width {
				t.Errorf("width %d: line of %d: %q", width, utf8.RuneCountInString(l), l)
			}
		}
		cutAny := strings.Contains(b.String(), "…")
		if fits := width == 0 || width >= 100; fits == cutAny {
			t.Errorf("width %d: cut %v:\n%s", width, cutAny, b.String())
		}
		// Short cells are never cut, and columns stay aligned.
		if !strings.Contains(b.String(), "app-misc/hello-1.0") && width >= 60 {
			t.Errorf("width %d: a short atom was cut:\n%s", width, b.String())
		}
		col := func(line, word string) int { return utf8.RuneCountInString(line[:strings.Index(line, word)]) }
		if i, j := col(lines[0], "STATE"), col(lines[2], "needed"); i != j {
			t.Errorf("width %d: columns not aligned (%d, %d):\n%s", width, i, j, b.String())
		}
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"}, {"hello", 4, "hel…"}, {"héllo wörld", 6, "héllo…"}, {"", 3, ""},
	} {
		if got := cut(tc.in, tc.n); got != tc.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
