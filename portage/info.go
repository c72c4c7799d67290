package portage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Settings is a builder's portage configuration as far as it decides
// whether the binary packages it builds fit the farm's clients: the
// profile, CHOST, the compiler and linker flags, the global USE and the ABI
// settings, by the names of SettingKeys. An absent key is a setting the
// builder did not report. The effective USE of each build is not here: the
// plan (`emerge --pretend`) carries it per package.
type Settings map[string]string

// SettingKeys are the settings a fingerprint holds, in the order they are
// shown. "profile" is the profile's path below profiles/ (as `emerge --info`
// prints it); the rest are portage variables.
var SettingKeys = []string{"profile", "CHOST", "CFLAGS", "CXXFLAGS", "LDFLAGS", "USE",
	"ABI", "DEFAULT_ABI", "MULTILIB_ABIS", "ABI_X86"}

// Limits of what ParseInfo reads: `emerge --info` of a large desktop is
// about 10 KiB, its USE line under 4 KiB.
const (
	MaxInfoBytes    = 1 << 20
	MaxSettingBytes = 8 << 10
)

// ParseInfo reads the settings from `emerge --info` output: the profile
// from its first line (`Portage 3.0.83 (python 3.12.3-final-0,
// default/linux/amd64/23.0, gcc-13, …)`), and every KEY="value" it prints,
// several on one line as on the USE line (`USE="…" ABI_X86="64" …`). It
// also reads `portageq envvar -v` output (KEY=value, KEY='value').
// Values are normalised (see Normalize). Output with none of the settings
// is an error, so a command that printed something else is not taken for
// a builder with nothing set.
func ParseInfo(text string) (Settings, error) {
	if len(text) > MaxInfoBytes {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrBadInfo, len(text), MaxInfoBytes)
	}
	s := Settings{}
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if p, ok := infoProfile(line); ok {
			s["profile"] = p
			continue
		}
		for key, value := range assignments(line) {
			if slices.Contains(SettingKeys, key) && key != "profile" {
				if len(value) > MaxSettingBytes {
					return nil, fmt.Errorf("%w: %s is %d bytes (at most %d)", ErrBadInfo, key, len(value), MaxSettingBytes)
				}
				s[key] = Normalize(key, value)
			}
		}
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("%w: none of %s found (is it the output of `emerge --info`?)",
			ErrBadInfo, strings.Join(SettingKeys, ", "))
	}
	return s, nil
}

// infoProfile reads the profile from `emerge --info`'s first line: the
// second item in its parentheses, "unavailable" when there is none.
func infoProfile(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "Portage ")
	if !ok {
		return "", false
	}
	_, inner, ok := strings.Cut(rest, " (")
	if !ok {
		return "", false
	}
	inner, _, _ = strings.Cut(inner, ")")
	items := strings.Split(inner, ", ")
	if len(items) < 2 || items[1] == "unavailable" || strings.TrimSpace(items[1]) == "" {
		return "", false
	}
	return strings.TrimSpace(items[1]), true
}

// Normalize puts a setting's value in the form fingerprints compare:
// whitespace collapsed to single spaces, and the settings that are sets
// (USE, MULTILIB_ABIS, ABI_X86) sorted, so "ssl  amd64" equals "amd64 ssl".
// Flag order in CFLAGS matters to the compiler and is kept.
func Normalize(key, value string) string {
	f := strings.Fields(value)
	switch key {
	case "USE", "MULTILIB_ABIS", "ABI_X86":
		slices.Sort(f)
		f = slices.Compact(f)
	case "profile":
		return strings.TrimSpace(value)
	}
	return strings.Join(f, " ")
}

// Pairs lists the settings as "KEY=value", sorted by key: the form events
// carry.
func (s Settings) Pairs() []string {
	out := make([]string, 0, len(s))
	for k, v := range s {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// SettingsFromPairs reads what Pairs wrote.
func SettingsFromPairs(pairs []string) Settings {
	s := make(Settings, len(pairs))
	for _, kv := range pairs {
		if k, v, ok := strings.Cut(kv, "="); ok {
			s[k] = v
		}
	}
	return s
}

// Fingerprint is a short hash of the settings (12 hex digits of the
// SHA-256 of the sorted pairs, one a line): equal settings, equal
// fingerprint, on every machine. "" for no settings.
func (s Settings) Fingerprint() string {
	if len(s) == 0 {
		return ""
	}
	h := sha256.New()
	for _, kv := range s.Pairs() {
		h.Write([]byte(kv + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// assignments yields the KEY=value pairs of one line: a line that starts
// with one, and those after it separated by blanks (the USE line). A value
// is a shell word: unquoted text, 'single-quoted' (portageq) and
// "double-quoted" (emerge --info, which does not escape: a double quote
// ends the value only where the line ends or the next KEY= begins) parts.
func assignments(line string) func(yield func(string, string) bool) {
	return func(yield func(string, string) bool) {
		rest := line
		for {
			key, after, ok := leadingKey(rest)
			if !ok {
				return
			}
			value, tail := shellWord(after)
			if !yield(key, value) {
				return
			}
			rest = strings.TrimLeft(tail, " \t")
		}
	}
}

// leadingKey reads NAME= at the start of s: a portage variable name (a
// letter or underscore, then letters, digits, underscores).
func leadingKey(s string) (key, rest string, ok bool) {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != '=' {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// shellWord reads one value from the start of s and returns it and what
// follows it.
func shellWord(s string) (string, string) {
	var b strings.Builder
	for len(s) > 0 {
		switch s[0] {
		case ' ', '\t':
			return b.String(), s
		case '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				b.WriteString(s[1:])
				return b.String(), ""
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		case '"':
			end := closingQuote(s[1:])
			b.WriteString(s[1 : 1+end])
			s = s[min(2+end, len(s)):]
		default:
			b.WriteByte(s[0])
			s = s[1:]
		}
	}
	return b.String(), ""
}

// closingQuote finds, in s (after an opening double quote), the quote that
// ends the value: the first one followed by the end, a single quote (shell
// concatenation), or blanks and another KEY=. Without one the value runs to
// the end.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		next := s[i+1:]
		if next == "" || next[0] == '\'' {
			return i
		}
		if t := strings.TrimLeft(next, " \t"); len(t) < len(next) {
			if _, _, ok := leadingKey(t); ok || t == "" {
				return i
			}
		}
	}
	return len(s)
}
