package drone

import "errors"

// Errors callers test for with errors.Is. Errors from the orchestrator's API
// keep their api sentinels (api.ErrUnauthorized and the rest) as well.
var (
	// ErrBadConfig: the drone's configuration file cannot be read as one:
	// bad TOML, an unknown key (named in the message) or a bad value.
	ErrBadConfig = errors.New("drone: bad configuration")

	// ErrMissingSetting: a setting the drone cannot run without (the
	// orchestrator's URL, the drone's id or its token) is set nowhere.
	ErrMissingSetting = errors.New("drone: missing setting")

	// ErrBadCommand: the build command the orchestrator sent is not a
	// runnable argv (it is empty).
	ErrBadCommand = errors.New("drone: bad build command")
)
