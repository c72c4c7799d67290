// Package buildlog keeps the build logs drones send to the orchestrator, so
// that no operator has to log into a drone to read why a build failed.
//
// On disk, under the state folder's logs/ (folders 0700, files 0600, like
// everything in .swarm):
//
//	logs/<category>/<pf>/<fence>.log.zst
//	e.g. logs/app-misc/broken-0.1/42.log.zst
//
// one zstd stream per claim (the fence names the claim; `swarm logs` maps
// attempts to fences through the log's claimed events). A file is written
// under a temporary name, synced, renamed and its folder synced, so a
// reader sees a whole log or none; its zstd stream is checked before it is
// published. Logs are not farm state: no event records them, and deleting
// the folder loses nothing but the operator's reading.
//
// Retention (Prune, run after every write): logs older than a maximum age
// are deleted, then the oldest (by modification time) until the total size
// is within a limit.
package buildlog
