package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/swarm-build/swarm/internal/termsafe"
)

// termHandler hands every record to the terminal logger with its message
// and values escaped (termsafe.Line): `swarm serve` and `swarm drone` log
// reasons, ids and errors that drones and builds sent, and
// charmbracelet/log prints a value that holds a newline as it is, control
// characters and all.
type termHandler struct{ slog.Handler }

func (h termHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, termsafe.Line(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(termAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h termHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	safe := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		safe[i] = termAttr(a)
	}
	return termHandler{h.Handler.WithAttrs(safe)}
}

func (h termHandler) WithGroup(name string) slog.Handler {
	return termHandler{h.Handler.WithGroup(termsafe.Line(name))}
}

// termAttr is a with its text escaped; numbers, times and durations are
// left as they are.
func termAttr(a slog.Attr) slog.Attr {
	a.Key = termsafe.Line(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, termsafe.Line(v.String()))
	case slog.KindAny:
		return slog.String(a.Key, termsafe.Line(fmt.Sprint(v.Any())))
	case slog.KindGroup:
		g := v.Group()
		safe := make([]any, len(g))
		for i, m := range g {
			safe[i] = termAttr(m)
		}
		return slog.Group(a.Key, safe...)
	}
	return slog.Attr{Key: a.Key, Value: v}
}
