package commands

import (
	"errors"
	"testing"

	"github.com/swarm-build/swarm/events"
)

func TestParseSelector(t *testing.T) {
	for _, tc := range []struct {
		in        string
		key, name string
		bad       bool
	}{
		{in: "app-misc/hello-1.0", key: "app-misc/hello-1.0"},
		{in: "=dev-qt/qtcore-5.9.4-r2", key: "dev-qt/qtcore-5.9.4-r2"},
		{in: "app-misc/hello", name: "app-misc/hello"},
		{in: "dev-libs/libxml2", name: "dev-libs/libxml2"},
		{in: "hello", bad: true},
		{in: "app-misc/*", bad: true},
		{in: "app-misc/hello/x", bad: true},
		{in: ">=app-misc/hello", bad: true},
		{in: "app-misc/", bad: true},
		{in: "-a/b", bad: true},
	} {
		s, err := ParseSelector(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrBadAtom) {
				t.Errorf("%q: err %v, want ErrBadAtom", tc.in, err)
			}
			continue
		}
		if err != nil || s.Key != tc.key || s.Name != tc.name {
			t.Errorf("%q: %+v, %v; want key %q name %q", tc.in, s, err, tc.key, tc.name)
		}
	}
}

func TestSelectorConcerns(t *testing.T) {
	name, _ := ParseSelector("app-misc/hello")
	ver, _ := ParseSelector("app-misc/hello-1.0")
	for _, tc := range []struct {
		e         events.Event
		name, ver bool
	}{
		{events.Event{Type: events.TypeEnqueued, Atom: "app-misc/hello-1.0"}, true, true},
		{events.Event{Type: events.TypeEnqueued, Atom: "app-misc/hello-2.0"}, true, false},
		{events.Event{Type: events.TypeEnqueued, Atom: "app-misc/hello-world-1.0"}, false, false},
		{events.Event{Type: events.TypeExcluded, Pattern: "app-misc/hello"}, true, true},
		{events.Event{Type: events.TypeExcluded, Pattern: "app-misc/*"}, true, true},
		{events.Event{Type: events.TypeExcluded, Pattern: "dev-qt/*"}, false, false},
		{events.Event{Type: events.TypeDroneHealth, Drone: "d1"}, false, false},
	} {
		if got := name.Concerns(&tc.e); got != tc.name {
			t.Errorf("name: %s %s%s = %v", tc.e.Type, tc.e.Atom, tc.e.Pattern, got)
		}
		if got := ver.Concerns(&tc.e); got != tc.ver {
			t.Errorf("version: %s %s%s = %v", tc.e.Type, tc.e.Atom, tc.e.Pattern, got)
		}
	}
}
