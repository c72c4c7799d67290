// Package config reads and writes .swarm/config.toml, the one canonical place
// for every address, port and threshold of a farm.
//
// Settings used to drift between three files; now the orchestrator, the drones
// (which receive the build command when they register) and every CLI verb read
// this one file through this one package.
//
// # The file
//
// config.toml is TOML. [Template] is the file `swarm init` writes: every key
// written out with its default and a comment saying what it does and why, so
// an operator can read and tune it without other documentation. A key missing
// from the file takes its default ([Default]); the two are kept equal by a
// test.
//
// Durations are Go duration strings with a unit ("90s", "5m", "48h"; "0s" for
// zero): a bare number is rejected because nobody can tell whether 90 meant
// seconds or minutes. Commands are argv arrays, never shell strings, so no
// quoting or word splitting can change what runs.
//
// # Strict reading
//
// [Parse] and [Load] reject, rather than ignore, anything they do not
// understand: an unknown key (usually a typo, which would otherwise silently
// fall back to a default), a value of the wrong type, and a value out of range
// ([Config.Validate]). Every error is an [*Error] naming the file, the line and
// the dotted key, for example
//
//	config.toml:12: farm.lease: "banana" is not a duration (like "60s")
//
// and wraps one of the sentinel errors ([ErrUnknownKey], [ErrBadValue], …) for
// errors.Is.
//
// # Editing without losing comments
//
// [Get], [Set] and [Delete] back `swarm config get/set`, `swarm drones
// add/remove` and `swarm remote add/remove`. They edit the text, not a decoded
// copy: Set replaces only the bytes of one value (found with go-toml's
// position-keeping parser) or inserts one line at the end of the key's table,
// so the operator's comments and layout survive. An edit whose result would
// not load is refused and the input is left as it was. [WriteFile] publishes
// the new text atomically (temp file, fsync, rename, fsync the folder), so a
// crash leaves either the old file or the new one, never half of each.
package config
