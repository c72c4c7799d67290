package commands

import (
	"slices"
	"testing"

	"github.com/swarm-build/swarm/events"
)

// TestRecordConfig: an unused farm's setup is no drift; serve's start
// records the settings in force; an edit records what it changed (after
// and before); settings as last recorded record nothing.
func TestRecordConfig(t *testing.T) {
	s := openStore(t, t.TempDir())
	base := []string{"farm.ground_after=5", "farm.lease=\"60s\"", "server.listen=\"127.0.0.1:8093\""}
	edited := []string{"farm.ground_after=2", "farm.lease=\"60s\"", "server.listen=\"127.0.0.1:8093\""}
	steps := []struct {
		name             string
		actor            string
		before, after    []string
		wantNow, wantWas []string
	}{
		{"setup before first use", ActorOperator, base, base, nil, nil},
		{"first serve", ActorOrchestrator, nil, base, base, []string{"farm.ground_after=", "farm.lease=", "server.listen="}},
		{"serve again, same", ActorOrchestrator, nil, base, nil, nil},
		{"config set", ActorOperator, base, edited, []string{"farm.ground_after=2"}, []string{"farm.ground_after=5"}},
		{"hand edit, then serve", ActorOrchestrator, nil, base, []string{"farm.ground_after=5"}, []string{"farm.ground_after=2"}},
	}
	for _, st := range steps {
		out := exec(t, s, RecordConfig(st.actor, st.name, st.before, st.after))
		var got events.Event
		if len(out.Events) == 1 {
			got = out.Events[0]
		}
		if len(out.Events) > 1 || !slices.Equal(got.Settings, st.wantNow) || !slices.Equal(got.Was, st.wantWas) ||
			(len(out.Events) == 1 && (got.Type != events.TypeConfigChanged || got.Actor != st.actor || got.Reason != st.name)) {
			t.Errorf("%s: recorded %+v; want settings %v was %v", st.name, out.Events, st.wantNow, st.wantWas)
		}
	}
}
