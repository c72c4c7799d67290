package events

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestEventJSONRoundTrip: what the event stream sends decodes back whole.
func TestEventJSONRoundTrip(t *testing.T) {
	e := sampleEvent(7)
	e.Seq, e.Time = 42, time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	e.Deps, e.Final = []string{"dev-libs/a-1"}, true
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var got Event
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, e)
	}
	if err := json.Unmarshal([]byte(`{"seq":1,"type":"claimed","lease":"soon"}`), &got); err == nil {
		t.Fatal("a lease that is no duration was accepted")
	}
}
