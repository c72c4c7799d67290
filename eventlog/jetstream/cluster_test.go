package jetstream_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestClusterForms: three member processes form a cluster; every member
// appends (JetStream forwards to the stream's leader), every member reads
// the same log, agrees on the leader, and verifies.
func TestClusterForms(t *testing.T) {
	t0 := time.Now()
	c := startCluster(t, true)
	t.Logf("formed after %s", time.Since(t0))
	lead := c.waitHealthy()
	t.Logf("healthy (every replica current) after %s", time.Since(t0))
	for i, m := range c.members {
		want := fmt.Sprintf("ok %d", 2*(i+1))
		if ans, _ := m.do(fmt.Sprintf("appendif %d %s 2", 2*i, m.spec.Name)); ans != want {
			t.Fatalf("member %s appendif: %q, want %q", m.spec.Name, ans, want)
		}
	}
	for _, m := range c.members {
		if got, want := m.must("actors 1"), "1:a 2:a 3:b 4:b 5:c 6:c"; got != want {
			t.Fatalf("member %s reads %q, want %q", m.spec.Name, got, want)
		}
		self := m == lead
		if got, want := m.must("leader"), fmt.Sprintf("%t %s", self, lead.spec.Name); got != want {
			t.Fatalf("member %s: leader %q, want %q", m.spec.Name, got, want)
		}
		if got := m.must("verify"); !strings.HasPrefix(got, "6 ") {
			t.Fatalf("member %s: verify %q", m.spec.Name, got)
		}
	}
}
