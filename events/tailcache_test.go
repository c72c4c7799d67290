package events

import (
	"context"
	"testing"
	"time"
)

// A reader that keeps up with the log (the orchestrator's Store) finds
// what another process appended with a stat of the tail, never a listing
// of the folder, and does not read back its own appends; when the other
// process starts a new segment, the reader sees that too.
func TestKeepingUpNeedsNoListing(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	server := openT(t, dir, Options{SegmentBytes: 4 << 10})
	cli := openT(t, dir, Options{SegmentBytes: 4 << 10})
	var next uint64 = 1
	read := func(want int) {
		t.Helper()
		got := collect(t, server, next)
		if len(got) != want {
			t.Fatalf("read %d events from seq %d, want %d", len(got), next, want)
		}
		next += uint64(len(got))
	}
	if _, err := server.Append(ctx, sampleEvent(0)); err != nil {
		t.Fatal(err)
	}
	read(1) // the first read lists the folder
	base := server.listings.Load()
	for i := range 5 {
		evs := []Event{sampleEvent(i)}
		server.Prepare(next-1, evs)
		if _, err := server.AppendIf(ctx, next-1, evs...); err != nil {
			t.Fatal(err)
		}
		next++
		before, looks := server.tailRead.Load(), server.pinLooks.Load()
		read(0) // its own append: already folded, nothing to read back
		if n := server.tailRead.Load() - before; n != 0 {
			t.Fatalf("read back %d bytes of its own append", n)
		}
		if server.pinLooks.Load() != looks+1 {
			t.Fatal("the writer's look at its own tail was not one stat of the file it holds")
		}
		if _, err := cli.Append(ctx, sampleEvent(i)); err != nil {
			t.Fatal(err)
		}
		read(1)
	}
	if n := server.listings.Load() - base; n != 0 {
		t.Fatalf("a reader keeping up listed the folder %d times", n)
	}
	// The other process fills the tail: it seals it and starts a new segment.
	for i := range 200 {
		if _, err := cli.Append(ctx, sampleEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	names, err := listSegments(dir)
	if err != nil || len(names) < 2 {
		t.Fatalf("segments %v, %v: want a roll", names, err)
	}
	read(200)
	// Now the server appends (catching up, it writes to the other's new
	// segment and holds it) until it rolls the tail itself; the other
	// process's appends to the server's newest segment are still seen.
	for i := range 200 {
		evs := []Event{sampleEvent(i)}
		server.Prepare(next-1, evs)
		if _, err := server.AppendIf(ctx, next-1, evs...); err != nil {
			t.Fatal(err)
		}
		next++
		read(0)
	}
	if again, err := listSegments(dir); err != nil || len(again) <= len(names) {
		t.Fatalf("segments %v, %v: want the server to roll", again, err)
	}
	looks := server.pinLooks.Load()
	read(0)
	if server.pinLooks.Load() != looks+1 {
		t.Fatal("after its roll, the writer's look was not a stat of the new tail")
	}
	for i := range 3 {
		if _, err := cli.Append(ctx, sampleEvent(i)); err != nil {
			t.Fatal(err)
		}
		read(1)
	}
}

// Prepare stamps events exactly as an append stores them.
func TestPrepareMatchesAppend(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("X", 3600))
	l := openT(t, t.TempDir(), Options{Now: func() time.Time { return now }})
	evs := []Event{sampleEvent(1), sampleEvent(2)}
	evs[1].Until = now.Add(time.Hour + 123456)
	l.Prepare(0, evs)
	want := append([]Event(nil), evs...)
	if _, err := l.AppendIf(context.Background(), 0, evs...); err != nil {
		t.Fatal(err)
	}
	got := collect(t, l, 1)
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Seq != want[i].Seq || !got[i].Until.Equal(want[i].Until) ||
			got[i].Time.Location() != time.UTC {
			t.Fatalf("event %d stored as %+v, prepared as %+v", i, got[i], want[i])
		}
	}
}
