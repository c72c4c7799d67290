package bench

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText prints the report as a table for people: the machine, then one
// row per result, then the details.
func (r Report) WriteText(w io.Writer) error {
	e := r.Env
	var b strings.Builder
	fmt.Fprintf(&b, "machine  %d CPUs %s, %s/%s, kernel %s, %s\n", e.CPUs, orDash(e.CPUModel), e.OS, e.Arch,
		orDash(e.Kernel), e.GoVersion)
	fmt.Fprintf(&b, "disk     %s (%s on %s)\n", e.Dir, orDash(e.Filesystem), orDash(e.Device))
	fmt.Fprintf(&b, "date     %s\n\n", e.Date)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "probe\tswarm\traw\tratio\tgoal\tresult\t")
	for _, res := range r.Results {
		value, raw := figure(res.Value, res.Unit), figure(res.Raw, res.RawUnit)
		if res.Skipped || res.Rounds == 0 && res.Value == 0 {
			value, raw = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", res.Name, value, raw, ratio(res), res.Goal, verdict(res))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	for _, res := range r.Results {
		if res.Detail != "" {
			fmt.Fprintf(&b, "%s: %s\n", res.Name, res.Detail)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func verdict(r Result) string {
	switch {
	case r.Skipped:
		return "skipped"
	case r.Goal == report.text:
		return "-"
	case r.Pass:
		return "pass"
	}
	return "FAIL"
}

func ratio(r Result) string {
	if r.Skipped || r.Ratio == 0 || r.Unit == "x" || r.Unit == "%" {
		return "-" // a size figure is its own ratio
	}
	return fmt.Sprintf("%.2fx", r.Ratio)
}

// figure prints v in unit, with thousands separators for big numbers.
func figure(v float64, unit string) string {
	if unit == "" || math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	switch {
	case unit == "bytes" && v >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case unit == "bytes":
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	case unit == "%":
		return fmt.Sprintf("%.2f %%", v)
	case unit == "x":
		return fmt.Sprintf("%.2fx", v)
	case math.Abs(v) >= 1000:
		return thousands(int64(math.Round(v))) + " " + unit
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.3f %s", v, unit)
}

// thousands prints n as 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
