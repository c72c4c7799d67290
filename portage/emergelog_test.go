package portage

import (
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func parseEmergeLogData(t *testing.T) []Merge {
	t.Helper()
	f, err := os.Open(dataFile(t, "emerge-log/emlop-emerge.10000.log.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ParseEmergeLog(gz)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestParseEmergeLogData: the real log holds 832 completed merges (833
// completions, the first of whose start was cut off), with the durations
// internal/eventmix took from it, in the same order.
func TestParseEmergeLogData(t *testing.T) {
	ms := parseEmergeLogData(t)
	b, err := os.ReadFile(filepath.Join("..", "internal", "eventmix", "durations.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var want []time.Duration
	for _, f := range strings.Fields(string(b)) {
		s, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, time.Duration(s)*time.Second)
	}
	if len(ms) != 832 || len(want) != 832 {
		t.Fatalf("%d merges, %d durations in durations.txt; want 832", len(ms), len(want))
	}
	for i, m := range ms {
		if m.Duration != want[i] || m.End.Sub(m.Start) != m.Duration {
			t.Errorf("merge %d (%s, line %d): %v from %v to %v, want %v", i, m.CPV, m.Line, m.Duration, m.Start, m.End, want[i])
		}
	}
	first := Merge{CPV: "sys-process/parallel-20171222", Line: 17,
		Start: time.Unix(1517699495, 0).UTC(), End: time.Unix(1517699507, 0).UTC(), Duration: 12 * time.Second}
	if ms[0] != first {
		t.Errorf("first merge %+v, want %+v", ms[0], first)
	}
	last := ms[len(ms)-1]
	if last.CPV != "www-client/falkon-24.08.3" || !last.Binary || last.Duration != 10*time.Second {
		t.Errorf("last merge %+v, want the binary falkon merge of 10s", last)
	}
	for _, m := range ms[:len(ms)-1] {
		if m.Binary {
			t.Errorf("%s at line %d marked binary", m.CPV, m.Line)
		}
	}
}

func TestDurationsData(t *testing.T) {
	d := Durations(parseEmergeLogData(t))
	// falkon was built once from source (lines 6262-6271, 362s) and later
	// installed from a binary package in 10s, which must not count.
	if got := d["www-client/falkon"]; got != 362*time.Second {
		t.Errorf("falkon %v, want its one source build, 6m2s", got)
	}
	if d["dev-libs/icu"] <= 0 || d["sys-process/parallel"] <= 0 {
		t.Errorf("icu %v, parallel %v", d["dev-libs/icu"], d["sys-process/parallel"])
	}
	t.Logf("%d packages with a duration", len(d))
}

func TestParseEmergeLog(t *testing.T) {
	at := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	in := `100: Started emerge on: Feb 04, 2018 00:01:08
100:  *** emerge --update world
110:  >>> emerge (1 of 3) dev-libs/a-1 to /
120:  >>> emerge (2 of 3) dev-libs/b-2 to /
130:  ::: completed emerge (2 of 3) dev-libs/b-2 to /
135:  ::: completed emerge (1 of 3) dev-libs/a-1 to /
140:  >>> emerge (3 of 3) dev-libs/c-3 to /
141:  *** terminating.
200:  >>> emerge (1 of 1) dev-libs/c-3 to /
210:  === (1 of 1) Merging Binary (dev-libs/c-3::/var/cache/binpkgs/dev-libs/c-3.gpkg.tar)
230:  ::: completed emerge (1 of 1) dev-libs/c-3 to /
240:  ::: completed emerge (1 of 1) dev-libs/d-4 to /

250: >>> unmerge success: dev-libs/a-0
`
	want := []Merge{
		{CPV: "dev-libs/b-2", Start: at(120), End: at(130), Duration: 10 * time.Second, Line: 4},
		{CPV: "dev-libs/a-1", Start: at(110), End: at(135), Duration: 25 * time.Second, Line: 3},
		{CPV: "dev-libs/c-3", Start: at(200), End: at(230), Duration: 30 * time.Second, Line: 9, Binary: true},
	}
	got, err := ParseEmergeLog(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseEmergeLogErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
		want string
	}{
		{"100: ok\nabc: >>> emerge (1 of 1) a/b-1 to /", 2, `"abc: >>> emerge (1 of 1) a/b-1 to /" does not begin with a Unix timestamp`},
		{"no colon here", 1, `does not begin with a Unix timestamp and a colon`},
		{": empty stamp", 1, `does not begin with a Unix timestamp`},
		{"-5: negative", 1, `does not begin with a Unix timestamp`},
		{"1.5: fraction", 1, `does not begin with a Unix timestamp`},
		{"99999999999999999999: x", 1, `timestamp "99999999999999999999"`},
		{"100:  >>> emerge (1 of 1) a/b to /", 1, `parse atom "a/b": no version`},
		{"100:  ::: completed emerge (1 of 1)", 1, `parse atom "": no category`},
	}
	for _, tt := range tests {
		_, err := ParseEmergeLog(strings.NewReader(tt.in))
		var le *EmergeLogError
		switch {
		case err == nil:
			t.Errorf("%q: no error, want %q", tt.in, tt.want)
		case !errors.As(err, &le) || !errors.Is(err, ErrEmergeLog):
			t.Errorf("%q: %v is no *EmergeLogError matching ErrEmergeLog", tt.in, err)
		case le.Line != tt.line || !strings.Contains(err.Error(), tt.want) ||
			!strings.HasPrefix(err.Error(), "emerge.log line "+strconv.Itoa(tt.line)+": "):
			t.Errorf("%q:\n  got  %v\n  want line %d, containing %s", tt.in, err, tt.line, tt.want)
		}
	}
}

func TestDurations(t *testing.T) {
	s := func(n int) time.Duration { return time.Duration(n) * time.Second }
	var ms []Merge
	add := func(cpv string, d time.Duration, binary bool) {
		ms = append(ms, Merge{CPV: cpv, Duration: d, Binary: binary})
	}
	add("dev-libs/one-1", s(7), false)
	for _, n := range []int{1000, 10, 20, 30, 40, 50} { // the oldest drops out of the window
		add("sys-devel/llvm-19.1.7", s(n), false)
	}
	add("sys-devel/llvm-19.1.7", s(1), true) // binary: not a build
	add("dev-libs/two-1", s(10), false)
	add("dev-libs/two-2", s(21), false) // versions of one package share a duration
	add("dev-libs/neg-1", -s(5), false)
	add("dev-libs/neg-1", s(8), false)
	add("not a cpv", s(3), false)
	want := map[string]time.Duration{
		"dev-libs/one":   s(7),
		"sys-devel/llvm": s(30),
		"dev-libs/two":   s(15) + s(1)/2,
		"dev-libs/neg":   s(8),
	}
	if got := Durations(ms); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if ms[1].Duration != s(1000) {
		t.Error("Durations reordered its input")
	}
}

// FuzzParseEmergeLog: no panic; errors name a line of the input; every
// merge ends after it starts by exactly its Duration, at a line of the
// input.
func FuzzParseEmergeLog(f *testing.F) {
	f.Add("110:  >>> emerge (1 of 1) dev-libs/a-1 to /\n135:  ::: completed emerge (1 of 1) dev-libs/a-1 to /\n")
	f.Add("1:  >>> emerge (1 of 1) a/b-1 to /\n0:  === (1 of 1) Merging Binary (a/b-1::/x)\n0:  ::: completed emerge (1 of 1) a/b-1 to /\n")
	f.Add("x: y\n")
	f.Add("100:  >>> emerge (1 of 1)")
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Count(s, "\n") + 1
		ms, err := ParseEmergeLog(strings.NewReader(s))
		if err != nil {
			var le *EmergeLogError
			if !errors.As(err, &le) || !errors.Is(err, ErrEmergeLog) || le.Line < 1 || le.Line > lines+1 {
				t.Fatalf("error %v names no line of %d", err, lines)
			}
			return
		}
		for _, m := range ms {
			if m.End.Sub(m.Start) != m.Duration || m.Line < 1 || m.Line > lines {
				t.Fatalf("merge %+v of %d lines", m, lines)
			}
		}
		Durations(ms)
	})
}
