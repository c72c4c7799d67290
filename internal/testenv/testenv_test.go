package testenv

import (
	"slices"
	"testing"
)

func TestGORACE(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "atexit_sleep_ms=0"},
		{"halt_on_error=1", "halt_on_error=1 atexit_sleep_ms=0"},
		{"  log_path=/tmp/r ", "log_path=/tmp/r atexit_sleep_ms=0"},
		{"atexit_sleep_ms=500 halt_on_error=1", "atexit_sleep_ms=500 halt_on_error=1"},
	} {
		if got := GORACE(c.in); got != c.want {
			t.Errorf("GORACE(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEnv(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"A=1"}, []string{"A=1", "GORACE=atexit_sleep_ms=0"}},
		{[]string{"GORACE=halt_on_error=1", "A=1"}, []string{"A=1", "GORACE=halt_on_error=1 atexit_sleep_ms=0"}},
		{[]string{"GORACE=x=1", "GORACE=y=2"}, []string{"GORACE=y=2 atexit_sleep_ms=0"}},
	} {
		if got := Env(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Env(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
