package jetstream_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "unsafe" // go:linkname, for raftTiming

	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/eventlog/logtest"
	"github.com/swarm-build/swarm/events"
)

// A cluster member for the tests is this test binary run again with
// memberEnv set to its memberSpec (JSON): it opens its log as one member of
// a three-member cluster, says "ready" on stdout, then answers commands read
// from stdin, one a line, "ID VERB ARGS...", with "ID ok ...", "ID conflict",
// "ID noquorum MESSAGE" or "ID err MESSAGE", concurrently. It closes its log
// and exits when stdin closes; the tests also kill it -9.
const memberEnv = "SWARM_JS_MEMBER"

type memberSpec struct {
	Name, Dir, Listen string
	Routes            []string
	Fast              bool // raftTiming: a test's elections, not production's
}

// Raft's timing in nats-server, production's by default: a leader's
// heartbeat every second, an election after 4-9 s without one. The crash
// tests shorten them the way nats-server's own cluster tests do (its
// jetstream_helpers_test.go), so that twenty failovers fit in CI; the
// protocol is the same, and the benchmark of the failover stall keeps
// production's. A rename in nats-server breaks the test build, loudly.
//
//go:linkname raftHB github.com/nats-io/nats-server/v2/server.hbInterval
var raftHB time.Duration

//go:linkname raftMinElection github.com/nats-io/nats-server/v2/server.minElectionTimeout
var raftMinElection time.Duration

//go:linkname raftMaxElection github.com/nats-io/nats-server/v2/server.maxElectionTimeout
var raftMaxElection time.Duration

//go:linkname raftLostQuorum github.com/nats-io/nats-server/v2/server.lostQuorumInterval
var raftLostQuorum time.Duration

//go:linkname raftLostQuorumCheck github.com/nats-io/nats-server/v2/server.lostQuorumCheck
var raftLostQuorumCheck time.Duration

// raftProduction puts production's timing back, for the benchmarks.
func raftProduction() {
	raftHB = time.Second
	raftMinElection, raftMaxElection = 4*time.Second, 9*time.Second
	raftLostQuorum, raftLostQuorumCheck = 10*time.Second, 10*time.Second
}

func raftTiming() {
	raftHB = 100 * time.Millisecond
	raftMinElection, raftMaxElection = time.Second, 2*time.Second
	raftLostQuorum, raftLostQuorumCheck = 2*time.Second, 400*time.Millisecond
}

// memberChild runs a member when the test binary was started as one.
func memberChild() {
	env := os.Getenv(memberEnv)
	if env == "" {
		return
	}
	var spec memberSpec
	if err := json.Unmarshal([]byte(env), &spec); err != nil {
		fmt.Println("fail", err)
		os.Exit(1)
	}
	if spec.Fast {
		raftTiming()
	}
	var logger *slog.Logger
	if os.Getenv("SWARM_JS_MEMBER_LOG") != "" { // the server's log, to see a failing test's cluster
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil)).With("member", spec.Name)
	}
	l, err := jetstream.Open(context.Background(), spec.Dir, jetstream.Options{Logger: logger,
		Name: spec.Name, ClusterListen: spec.Listen, Routes: spec.Routes, Replicas: 3, RouteSecret: testSecret})
	if err != nil {
		fmt.Println("fail", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
	var outMu sync.Mutex
	say := func(format string, a ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Printf(format+"\n", a...)
	}
	say("ready")
	var wg sync.WaitGroup
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		wg.Go(func() {
			t0 := time.Now()
			a := memberDo(l, f[1], f[2:])
			if logger != nil {
				logger.Info("command", "cmd", f, "took", time.Since(t0), "answer", a)
			}
			say("%s %s", f[0], a)
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// memberDo runs one command and says how it went.
func memberDo(l *jetstream.Log, verb string, args []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	num := func(i int) uint64 { n, _ := strconv.ParseUint(args[i], 10, 64); return n }
	switch verb {
	case "appendif": // EXPECT TAG N [TIMEOUT]: N events by TAG, at EXPECT
		if len(args) > 3 {
			d, _ := time.ParseDuration(args[3])
			ctx, cancel = context.WithTimeout(context.Background(), d)
			defer cancel()
		}
		evs := make([]events.Event, num(2))
		for i := range evs {
			evs[i] = logtest.Ev(args[1], i)
		}
		seq, err := l.AppendIf(ctx, num(0), evs...)
		return answer(err, seq)
	case "leader":
		self, leader := l.Leader()
		return fmt.Sprintf("ok %t %s", self, leader)
	case "cluster":
		ci, err := l.Cluster(ctx)
		b, _ := json.Marshal(ci)
		return answer(err, string(b))
	case "last":
		last, err := l.Last(ctx)
		return answer(err, last)
	case "verify":
		r, err := l.Verify(ctx)
		return answer(err, fmt.Sprintf("%d %s", r.Last, r.HeadHex))
	case "actors": // FROM: SEQ:ACTOR of every event from FROM
		var b strings.Builder
		for e, err := range l.Events(ctx, num(0)) {
			if err != nil {
				return answer(err, nil)
			}
			fmt.Fprintf(&b, " %d:%s", e.Seq, e.Actor)
		}
		return "ok" + b.String()
	}
	return "err unknown verb " + verb
}

func answer(err error, v any) string {
	switch {
	case err == nil:
		return fmt.Sprint("ok ", v)
	case errors.Is(err, events.ErrConflict):
		return "conflict"
	case errors.Is(err, jetstream.ErrNoQuorum):
		return "noquorum " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	return "err " + strings.ReplaceAll(err.Error(), "\n", " ")
}
