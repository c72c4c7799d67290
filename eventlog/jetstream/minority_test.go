package jetstream_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClusterMinority: a member left alone (the other two killed) cannot
// acknowledge an append, whether it led the stream or followed: the append
// fails with ErrNoQuorum, and the member stops calling itself the leader.
// What is guaranteed of such an append: it was not acknowledged, and it
// may still be in the log once the others return (a lone leader had
// written it to its Raft log; a new term may commit it). If it is, it is
// whole, at the seqs it expected, and the chain verifies: never a second
// grant of a seq, never a part. Every acknowledged append survives.
func TestClusterMinority(t *testing.T) {
	c := startCluster(t, true)
	book := newAckBook()
	expected := map[string]uint64{} // the seq each lone append expected to follow
	for _, lone := range []string{"leader", "follower"} {
		lead := c.waitHealthy()
		for i := range 3 { // acknowledged before the partition
			appendOn(t, lead, book, fmt.Sprintf("%s-before-%d", lone, i))
		}
		survivor := lead
		if lone == "follower" {
			survivor = c.members[(slicesIndex(c.members, lead)+1)%3]
		}
		for _, m := range c.members {
			if m != survivor {
				m.kill()
			}
		}
		last := book.last()
		expected[lone] = last
		ans, err := survivor.do(fmt.Sprintf("appendif %d %s-alone 2 3s", last, lone))
		if err != nil || !strings.HasPrefix(ans, "noquorum ") {
			t.Fatalf("%s alone: append answered %q, %v; want noquorum", lone, ans, err)
		}
		t.Logf("%s alone: %s", lone, ans)
		waitAnswer(t, survivor, "leader", "false") // not the leader, and none known
		for _, m := range c.members {
			if m != survivor {
				if err := m.start(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	c.waitHealthy()
	got := c.members[0].must("actors 1")
	for _, lone := range []string{"leader", "follower"} {
		in := strings.Contains(got, lone+"-alone")
		t.Logf("the unacknowledged append of the lone %s is in the log: %t", lone, in)
		at := fmt.Sprintf(" %d:%s-alone %d:%s-alone", expected[lone]+1, lone, expected[lone]+2, lone)
		if in && !strings.Contains(" "+got, at) {
			t.Fatalf("the lone %s's append landed elsewhere than after seq %d: %s", lone, expected[lone], got)
		}
	}
	checkSurvivors(t, c, book)
}

// appendOn appends two events by tag at the tail through m; it must be
// acknowledged.
func appendOn(t testing.TB, m *member, book *ackBook, tag string) {
	t.Helper()
	last := m.must("last")
	seq, _ := strconv.ParseUint(m.must(fmt.Sprintf("appendif %s %s 2", last, tag)), 10, 64)
	book.add(ack{first: seq - 1, tag: tag, sent: time.Now(), at: time.Now()})
}

// waitAnswer waits until m answers line with "ok " + want.
func waitAnswer(t *testing.T, m *member, line, want string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		got := m.must(line)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("member %s: %s answers %q after %s, want %q", m.spec.Name, line, got, waitFor, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func slicesIndex(ms []*member, m *member) int {
	for i := range ms {
		if ms[i] == m {
			return i
		}
	}
	return -1
}
