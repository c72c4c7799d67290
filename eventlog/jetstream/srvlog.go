package jetstream

import (
	"fmt"
	"log/slog"
	"sync"
)

// srvLog passes the embedded server's log to slog (notices as info, debug
// as debug) and keeps its warnings and errors, which Open reads: the
// server reports damage it repaired only there.
type srvLog struct {
	log *slog.Logger

	mu     sync.Mutex
	alarms []string
}

func (s *srvLog) Noticef(format string, v ...any) { s.log.Info("nats: " + fmt.Sprintf(format, v...)) }
func (s *srvLog) Debugf(format string, v ...any)  { s.log.Debug("nats: " + fmt.Sprintf(format, v...)) }
func (s *srvLog) Tracef(string, ...any)           {}
func (s *srvLog) Warnf(format string, v ...any)   { s.alarm(slog.LevelWarn, format, v) }
func (s *srvLog) Errorf(format string, v ...any)  { s.alarm(slog.LevelError, format, v) }
func (s *srvLog) Fatalf(format string, v ...any)  { s.alarm(slog.LevelError, format, v) }

func (s *srvLog) alarm(level slog.Level, format string, v []any) {
	msg := fmt.Sprintf(format, v...)
	s.log.Log(nil, level, "nats: "+msg)
	s.mu.Lock()
	s.alarms = append(s.alarms, msg)
	s.mu.Unlock()
}

// Alarms are the warnings and errors logged so far.
func (s *srvLog) Alarms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.alarms...)
}
