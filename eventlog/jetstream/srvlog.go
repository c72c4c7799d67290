package jetstream

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// A member whose peer is down hears of it every second ("Error trying to
// connect to route", "Waiting for routing to be established"): such a line
// is logged once per repeatEvery with how many were held back, so a day of
// one member down is not 86,400 lines of an operator's log, and alarms keeps
// at most maxAlarms of them (Open reads it for damage, which is rare).
const (
	repeatEvery = time.Minute
	maxAlarms   = 1000
)

// repetitive are the server's lines that repeat while a peer is away.
var repetitive = []string{"Error trying to connect to route", "Waiting for routing to be established",
	"JetStream has not established contact with a meta leader"}

// srvLog passes the embedded server's log to slog (notices as info, debug
// as debug) and keeps its warnings and errors, which Open reads: the
// server reports damage it repaired only there.
type srvLog struct {
	log *slog.Logger

	mu     sync.Mutex
	alarms []string
	said   map[string]time.Time // when a repetitive line was last logged
	held   map[string]int       // how many of it were not logged since
}

func (s *srvLog) Noticef(format string, v ...any) { s.log.Info("nats: " + fmt.Sprintf(format, v...)) }
func (s *srvLog) Debugf(format string, v ...any)  { s.log.Debug("nats: " + fmt.Sprintf(format, v...)) }
func (s *srvLog) Tracef(string, ...any)           {}
func (s *srvLog) Warnf(format string, v ...any)   { s.alarm(slog.LevelWarn, format, v) }
func (s *srvLog) Errorf(format string, v ...any)  { s.alarm(slog.LevelError, format, v) }
func (s *srvLog) Fatalf(format string, v ...any)  { s.alarm(slog.LevelError, format, v) }

func (s *srvLog) alarm(level slog.Level, format string, v []any) {
	msg := fmt.Sprintf(format, v...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repeated(format, time.Now()) {
		return
	}
	if n := s.held[format]; n > 0 {
		msg = fmt.Sprintf("%s (and %d like it in the last %v)", msg, n, repeatEvery)
		s.held[format] = 0
	}
	s.log.Log(nil, level, "nats: "+msg)
	if len(s.alarms) == maxAlarms {
		s.alarms = append(s.alarms[:0], s.alarms[maxAlarms/2:]...)
	}
	s.alarms = append(s.alarms, msg)
}

// repeated says whether a line of format is one of the repetitive kind
// logged less than repeatEvery ago, and counts it then.
func (s *srvLog) repeated(format string, now time.Time) bool {
	rep := false
	for _, r := range repetitive {
		rep = rep || strings.HasPrefix(format, r)
	}
	if !rep {
		return false
	}
	if s.said == nil {
		s.said, s.held = map[string]time.Time{}, map[string]int{}
	}
	if last, ok := s.said[format]; ok && now.Sub(last) < repeatEvery {
		s.held[format]++
		return true
	}
	s.said[format] = now
	return false
}

// Alarms are the warnings and errors logged so far.
func (s *srvLog) Alarms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.alarms...)
}
