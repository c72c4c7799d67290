// Package dashboard holds the web page `swarm serve` shows at / : plain
// HTML, CSS and JavaScript embedded in the binary, with no build step and
// nothing fetched at run time but the orchestrator's own API.
//
// The page judges nothing: it renders the status object (GET /v1/status,
// the same as `swarm status --json`), the drones and the queue as the
// views print them, and follows the event stream (GET /v1/events) from
// the status's seq. Each event is folded only into what the farm does not
// keep as a view (a per-drone timeline of builds, the recent failures with
// their error context) and asks for a fresh copy of the views; a drone's
// row is replaced by id, so one drone's update never overwrites another's.
// The stream's ids are event sequence numbers, so when the server restarts
// the browser reconnects with Last-Event-ID and the page goes on from the
// event after the last it saw, without a reload. It shows the seq it is at
// and any gap it noticed (data-last-seq, data-gaps on <body>), which the
// end-to-end test in a real Chromium reads.
package dashboard

import (
	"embed"
	"io/fs"
)

//go:embed assets
var assets embed.FS

// Assets is the page's files: index.html, app.js, style.css, login.html.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}
