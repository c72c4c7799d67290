package orchestrator

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// ConnLimits bound the connections the server holds, so that connections
// from anyone (idle, slow, holding no token) cannot use up its file
// descriptors and lock the drones out.
type ConnLimits struct {
	Max     int // all connections at once
	PerAddr int // unauthenticated connections from one IP
	// Reserved connections are kept for clients that presented a valid
	// token: unauthenticated connections may hold only Max-Reserved.
	Reserved int
}

// limitListener enforces ConnLimits on accepted connections. A connection
// is unauthenticated until a request on it presents a valid drone or
// operator token (see authenticate). When a new connection would break a
// limit, the unauthenticated connection idle the longest (no request in
// flight) is closed to make room; if there is none, the new one is closed.
// A token holder's connection is never closed to make room, so an
// attacker's connections can only displace each other.
type limitListener struct {
	net.Listener
	lim      ConnLimits
	accepted atomic.Int64 // connections accepted from the socket
	refused  atomic.Int64 // connections closed at once or to make room

	mu      sync.Mutex
	total   int
	unauth  int
	idle    *list.List            // unauthenticated idle conns, longest idle first
	byAddr  map[string]*addrConns // per remote IP
	tracked map[*trackedConn]struct{}
}

type addrConns struct {
	unauth int
	idle   *list.List // as limitListener.idle, for this address
}

// trackedConn is an accepted connection under the listener's watch. Its
// fields are guarded by the listener's mu.
type trackedConn struct {
	net.Conn
	l        *limitListener
	addr     string
	authed   bool
	released bool
	idleAt   *list.Element // in l.idle while idle and unauthenticated
	addrAt   *list.Element // in its addrConns.idle likewise
	drone    atomic.Pointer[droneProof]
}

// droneProof is a drone's token that a connection presented and the server
// checked, against the configuration of generation gen (Server.cfgGen).
type droneProof struct {
	id, header string // the drone, and its Authorization header as sent
	gen        uint64
}

// prove remembers that this connection proved itself as drone id with
// header, against configuration gen.
func (tc *trackedConn) prove(id, header string, gen uint64) {
	tc.drone.Store(&droneProof{id: id, header: header, gen: gen})
}

// proved reports whether this connection proved itself as drone id with
// this very header against the configuration in force (gen): then the
// token needs no hashing again. Comparing with == is safe here: what it
// compares against was sent on this same connection, so its timing can
// tell the sender nothing it did not send itself, and another connection
// starts with nothing remembered.
func (tc *trackedConn) proved(id, header string, gen uint64) bool {
	p := tc.drone.Load()
	return p != nil && p.gen == gen && p.id == id && p.header == header
}

func newLimitListener(ln net.Listener, lim ConnLimits) *limitListener {
	return &limitListener{Listener: ln, lim: lim, idle: list.New(),
		byAddr: map[string]*addrConns{}, tracked: map[*trackedConn]struct{}{}}
}

// Accept returns the next connection the limits allow.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.accepted.Add(1)
		if tc := l.admit(c); tc != nil {
			return tc, nil
		}
		l.refused.Add(1)
		c.Close()
	}
}

// admit takes c under watch, closing idle unauthenticated connections to
// make room for it; nil if there is no room.
func (l *limitListener) admit(c net.Conn) *trackedConn {
	addr := remoteIP(c.RemoteAddr())
	var victims []*trackedConn
	defer func() {
		for _, v := range victims {
			l.refused.Add(1)
			v.Conn.Close()
		}
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.byAddr[addr]
	if a == nil {
		a = &addrConns{idle: list.New()}
		l.byAddr[addr] = a
	}
	if a.unauth >= l.lim.PerAddr {
		if v := a.idle.Front(); v != nil {
			victims = append(victims, l.forget(v.Value.(*trackedConn)))
		}
	}
	if l.unauth >= l.lim.Max-l.lim.Reserved || l.total >= l.lim.Max {
		if v := l.idle.Front(); v != nil {
			victims = append(victims, l.forget(v.Value.(*trackedConn)))
		}
	}
	if a.unauth >= l.lim.PerAddr || l.unauth >= l.lim.Max-l.lim.Reserved || l.total >= l.lim.Max {
		if a.unauth == 0 {
			delete(l.byAddr, addr)
		}
		return nil
	}
	tc := &trackedConn{Conn: c, l: l, addr: addr}
	l.tracked[tc] = struct{}{}
	l.total++
	l.unauth++
	a.unauth++
	l.setIdle(tc, a, true) // new: no request yet
	return tc
}

// forget stops counting tc (once) and returns it. Called with mu held.
func (l *limitListener) forget(tc *trackedConn) *trackedConn {
	if tc.released {
		return tc
	}
	tc.released = true
	delete(l.tracked, tc)
	a := l.byAddr[tc.addr]
	l.setIdle(tc, a, false)
	l.total--
	if !tc.authed {
		l.unauth--
		a.unauth--
		if a.unauth == 0 {
			delete(l.byAddr, tc.addr)
		}
	}
	return tc
}

// setIdle puts tc on or off the lists of connections that may be closed
// to make room. Called with mu held.
func (l *limitListener) setIdle(tc *trackedConn, a *addrConns, idle bool) {
	switch {
	case idle && tc.idleAt == nil && !tc.authed && !tc.released:
		tc.idleAt = l.idle.PushBack(tc)
		tc.addrAt = a.idle.PushBack(tc)
	case !idle && tc.idleAt != nil:
		l.idle.Remove(tc.idleAt)
		a.idle.Remove(tc.addrAt)
		tc.idleAt, tc.addrAt = nil, nil
	}
}

// connState is the http.Server's ConnState hook: a connection with a
// request in flight is not idle.
func (l *limitListener) connState(c net.Conn, st http.ConnState) {
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if tc.released {
		return
	}
	l.setIdle(tc, l.byAddr[tc.addr], st == http.StateNew || st == http.StateIdle)
}

// authenticate marks the connection of a request that presented a valid
// token: it no longer counts as unauthenticated and is never closed to
// make room.
func (l *limitListener) authenticate(tc *trackedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if tc.authed || tc.released {
		return
	}
	a := l.byAddr[tc.addr]
	l.setIdle(tc, a, false)
	tc.authed = true
	l.unauth--
	a.unauth--
	if a.unauth == 0 {
		delete(l.byAddr, tc.addr)
	}
}

// closeWaiting closes every connection that has no request in flight and
// has not sent one yet or is between requests, for a prompt shutdown
// (http.Server.Shutdown waits up to 5 s for connections that sent nothing).
func (l *limitListener) closeWaiting() {
	l.mu.Lock()
	var victims []*trackedConn
	for e := l.idle.Front(); e != nil; e = e.Next() {
		victims = append(victims, e.Value.(*trackedConn))
	}
	for _, v := range victims {
		l.forget(v)
	}
	l.mu.Unlock()
	for _, v := range victims {
		v.Conn.Close()
	}
}

// counts returns the connections held: all, and unauthenticated.
func (l *limitListener) counts() (total, unauth int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, l.unauth
}

// Close closes the connection and stops counting it.
func (tc *trackedConn) Close() error {
	tc.l.mu.Lock()
	tc.l.forget(tc)
	tc.l.mu.Unlock()
	return tc.Conn.Close()
}

func remoteIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// connKey carries a request's connection in its context.
type connKey struct{}

func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// authenticated marks the connection of r as a token holder's.
func (s *Server) authenticated(r *http.Request) {
	if tc, ok := r.Context().Value(connKey{}).(*trackedConn); ok {
		tc.l.authenticate(tc)
	}
}

// Close stops accepting and closes the connections waiting for a first or
// next request, so a shutdown waits only for requests in flight.
func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeWaiting()
	return err
}

// isLoopback reports whether a listener's address is on loopback only. An
// unspecified address (0.0.0.0, ::) listens on every interface: not loopback.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
