package bufpool

import (
	"bytes"
	"testing"
)

// A buffer comes back empty, and one a large message grew is not kept.
func TestGetIsEmptyAndLargeBuffersAreDropped(t *testing.T) {
	b := Get()
	b.WriteString("answer")
	Put(b)
	if got := Get(); got.Len() != 0 {
		t.Fatalf("a lent buffer holds %q", got.Bytes())
	}
	big := bytes.NewBuffer(make([]byte, 0, 2*keepMax))
	big.WriteString("excerpt")
	Put(big)
	if big.Len() == 0 {
		t.Fatal("Put reset a buffer it did not keep")
	}
}
