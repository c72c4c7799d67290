package orchestrator

import (
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/dashboard"
)

// The live views: the event stream (api.EventsPath), the web dashboard at
// / and Prometheus metrics at /metrics. All are read views: beyond loopback
// they need an operator's token, as a bearer token or, for a browser, the
// cookie the dashboard's sign-in form sets.

// tokenCookie holds an operator's token in a browser. It is HttpOnly (the
// page's scripts never see it) and SameSite=Strict (no other site's page
// can make the browser send it).
const tokenCookie = "swarm_token"

// MetricsPath serves Prometheus metrics.
const MetricsPath = "/metrics"

// initLive tells the stream's hub where the log ends and registers the
// state's figures. New calls it.
func (s *Server) initLive() {
	s.hub.end = func() uint64 { return s.store.Known() + 1 }
	s.metrics.reg.MustRegister(stateCollector{s})
}

// liveRoutes adds the live views to mux.
func (s *Server) liveRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+api.EventsPath, s.handleEvents)
	metrics := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
	mux.HandleFunc("GET "+MetricsPath, func(w http.ResponseWriter, r *http.Request) {
		if s.viewAllowed(w, r) {
			metrics.ServeHTTP(w, r)
		}
	})
	assets := dashboard.Assets()
	files := http.StripPrefix("/dashboard/", http.FileServerFS(assets))
	mux.HandleFunc("GET /dashboard/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page := "index.html"
		if s.exposed && !s.operatorKnown(r) {
			page = "login.html" // the page itself holds nothing secret; what it reads does
		}
		servePage(w, assets, page)
	})
	mux.HandleFunc("POST /login", s.handleLogin)
}

// operatorKnown reports whether r carries an operator's token (reloading
// config.toml once if not, for an operator added a moment ago).
func (s *Server) operatorKnown(r *http.Request) bool {
	cfg := s.config()
	if operatorAuthorized(&cfg, r) {
		return true
	}
	s.reloadConfig()
	cfg = s.config()
	return operatorAuthorized(&cfg, r)
}

// handleLogin takes an operator's token from the sign-in form and, if it is
// one, keeps it in the browser's cookie and goes back to the dashboard.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	probe := &http.Request{Header: http.Header{"Authorization": {"Bearer " + token}}}
	if token == "" || !s.operatorKnown(probe) {
		s.log.Warn("refused a dashboard sign-in: not an operator's token", "remote", r.RemoteAddr)
		w.WriteHeader(http.StatusUnauthorized)
		servePage(w, dashboard.Assets(), "login.html")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// operatorToken is the operator token r carries: its bearer token, else
// the dashboard's cookie.
func operatorToken(r *http.Request) (string, bool) {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(token), true
	}
	if c, err := r.Cookie(tokenCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

func servePage(w http.ResponseWriter, assets fs.FS, name string) {
	b, err := fs.ReadFile(assets, name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'self'; object-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// slogPrinter passes promhttp's errors to the server's logger.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) {
	p.s.log.Warn("metrics", "err", strings.TrimSpace(fmt.Sprintln(v...)))
}
