package api

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The limits on what a drone may send. Every string a drone supplies ends
// up in an event, and from there on an operator's terminal: the server
// refuses a request over these limits (or with characters that are not
// printable) with 400 naming the field, rather than grow the log by what
// one careless or hostile drone sends in every heartbeat.
const (
	MaxHealthBytes     = 32
	MaxVersionBytes    = 64
	MaxTreeBytes       = 256     // a tree identity: a timestamp or a commit
	MaxPortageSettings = 16      // settings in a portage fingerprint
	MaxPortageKeyBytes = 32      // a setting's name (CFLAGS, MULTILIB_ABIS)
	MaxPortageBytes    = 8 << 10 // a setting's value: a large USE is under 4 KiB
	MaxCapabilities    = 64
	MaxCapabilityBytes = 64
	MaxSignatureBytes  = 128
	MaxReasonBytes     = 1024
	MaxExcerptBytes    = 64 << 10 // build output; the drone sends 4 KiB
	MaxTasks           = 1024
	MaxSlots           = 1024
)

// FieldError is a request field the server refuses, and why.
type FieldError struct {
	Field   string // its JSON key, with an index for list elements: tasks[2].fence
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func bad(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// healthStates are the values a drone's health may take ("" = not said).
var healthStates = []string{"", "healthy", "degraded", "critical", "recovering"}

// sha256Hex is a binary package's digest as the wire carries it.
var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate checks the fields of a registration.
func (r RegisterRequest) Validate() error {
	return first(
		check(r.Slots <= MaxSlots, "slots", "at most %d", MaxSlots),
		health("health", r.Health),
		Printable("version", r.Version, MaxVersionBytes),
		Printable("tree", r.Tree, MaxTreeBytes),
		portageSettings(r.Portage),
		capabilities(r.Capabilities),
		tasks(r.Tasks),
	)
}

// Validate checks the fields of a heartbeat.
func (r HeartbeatRequest) Validate() error {
	return first(
		health("health", r.Health),
		percent("cpu_percent", r.CPUPercent, false),
		percent("memory_percent", r.MemoryPercent, true),
		percent("disk_percent", r.DiskPercent, true),
		check(r.Load >= 0, "load", "must not be negative"),
		Printable("tree", r.Tree, MaxTreeBytes),
		Printable("version", r.Version, MaxVersionBytes),
		portageSettings(r.Portage),
		tasks(r.Tasks),
	)
}

// Validate checks a claim request.
func (r ClaimRequest) Validate() error {
	return check(r.WaitMS >= 0, "wait_ms", "must not be negative")
}

// Validate checks a completion report. The atom is the server's to judge.
func (r CompleteRequest) Validate() error {
	return first(
		fence("fence", r.Fence),
		check(r.SHA256 == "" || sha256Hex.MatchString(r.SHA256), "sha256",
			"must be 64 lowercase hex digits (or absent)"),
		check(r.SHA256 != "" || r.Size == 0, "size", "given without a sha256"),
	)
}

// Validate checks a failure report. The excerpt is build output: several
// lines, colour codes and all, so it is only bounded in size.
func (r FailRequest) Validate() error {
	return first(
		fence("fence", r.Fence),
		Printable("signature", r.Signature, MaxSignatureBytes),
		Printable("reason", r.Reason, MaxReasonBytes),
		check(len(r.Excerpt) <= MaxExcerptBytes, "excerpt", "at most %d bytes, not %d", MaxExcerptBytes, len(r.Excerpt)),
		check(utf8.ValidString(r.Excerpt), "excerpt", "is not valid UTF-8"),
	)
}

// Validate checks a return.
func (r ReturnRequest) Validate() error {
	return first(fence("fence", r.Fence), Printable("reason", r.Reason, MaxReasonBytes))
}

// Printable checks a one-line text field: at most limit bytes of valid
// UTF-8 with no control characters (ESC, newline, C1 controls) and nothing
// that is not printable (bidirectional overrides, zero-width characters).
// Tab is allowed.
func Printable(field, s string, limit int) error {
	if len(s) > limit {
		return bad(field, "at most %d bytes, not %d", limit, len(s))
	}
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return bad(field, "is not valid UTF-8 (at byte %d)", i)
		case r != '\t' && !unicode.IsPrint(r):
			return bad(field, "has the non-printable character %U at byte %d; only printable text is allowed", r, i)
		}
	}
	return nil
}

func check(ok bool, field, format string, args ...any) error {
	if ok {
		return nil
	}
	return bad(field, format, args...)
}

func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func health(field, h string) error {
	if err := Printable(field, h, MaxHealthBytes); err != nil {
		return err
	}
	return check(slices.Contains(healthStates, h), field, "%q is not a health state (healthy, degraded, critical, recovering)", h)
}

func percent(field string, p float64, capped bool) error {
	if p < 0 || (capped && p > 100) {
		return bad(field, "must be a percentage (0 to 100), not %v", p)
	}
	return nil
}

func fence(field string, f uint64) error {
	return check(f != 0, field, "must be the claim's fence (not 0)")
}

func capabilities(cs []string) error {
	if len(cs) > MaxCapabilities {
		return bad("capabilities", "at most %d, not %d", MaxCapabilities, len(cs))
	}
	for i, c := range cs {
		field := fmt.Sprintf("capabilities[%d]", i)
		if err := Printable(field, c, MaxCapabilityBytes); err != nil {
			return err
		}
		if c == "" || strings.ContainsAny(c, "| \t") {
			return bad(field, "%q is not a capability (no spaces, no |, not empty)", c)
		}
	}
	return nil
}

func tasks(ts []Task) error {
	if len(ts) > MaxTasks {
		return bad("tasks", "at most %d, not %d", MaxTasks, len(ts))
	}
	for i, t := range ts {
		if err := fence(fmt.Sprintf("tasks[%d].fence", i), t.Fence); err != nil {
			return err
		}
	}
	return nil
}

// portageSettings checks a drone's portage settings: a few printable
// names and values of bounded size.
func portageSettings(m map[string]string) error {
	if len(m) > MaxPortageSettings {
		return bad("portage", "at most %d settings, not %d", MaxPortageSettings, len(m))
	}
	for k, v := range m {
		if err := first(Printable("portage", k, MaxPortageKeyBytes), Printable("portage."+k, v, MaxPortageBytes)); err != nil {
			return err
		}
	}
	return nil
}
