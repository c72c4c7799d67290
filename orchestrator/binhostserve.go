package orchestrator

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/swarm-build/swarm/binhost"
)

// KeyFile is where clients fetch the farm's public key, under /binhost/.
const KeyFile = "KEY.asc"

// binhostRoutes serves the binhost's packages folder read-only at
// /binhost/: the index, the signed packages and the public key. It is
// public wherever the server listens: it is what clients install from,
// and everything in it is signed.
func (s *Server) binhostRoutes(mux *http.ServeMux) {
	if s.opts.Binhost == "" {
		return
	}
	mux.HandleFunc("GET /binhost/{path...}", s.serveBinhost)
}

// serveBinhost answers one file of the packages folder, with Range,
// If-Modified-Since and Last-Modified (the file's mtime: TIMESTAMP for the
// index) from http.ServeContent. Nothing outside the folder is reachable:
// the path must be a valid relative path without hidden elements (temp
// files start with a dot), and os.Root refuses ".." and symlinks that
// leave it. Folders are not listed.
func (s *Server) serveBinhost(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	if p == KeyFile && s.opts.Key != nil {
		pub, err := binhost.PublicKey(s.opts.Key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/pgp-keys")
		http.ServeContent(w, r, KeyFile, time.Time{}, bytes.NewReader(pub))
		return
	}
	if !servable(p) {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(filepath.Join(s.opts.Binhost, binhost.PackagesDir))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	f, err := root.Open(p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(p, ".tar") {
		w.Header().Set("Content-Type", "application/x-tar")
	}
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}

// servable reports whether p may name a file of the binhost.
func servable(p string) bool {
	if !fs.ValidPath(p) || p == "." || strings.ContainsAny(p, "\\\x00") {
		return false
	}
	for elem := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(elem, ".") {
			return false
		}
	}
	return true
}
