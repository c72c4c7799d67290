package config

// The connection limits of [server] are checked here, apart from the other
// [server] rules, so each key's range is stated once.

// validateLimits checks the connection limits and timeouts. The limits
// must fit together; that they are below the descriptor limit is checked
// by the server when it starts, which alone knows that limit.
func (s ServerConfig) validateLimits(v *validator) {
	v.atLeast("server.max_connections", int64(s.MaxConnections), 0)
	v.check(s.MaxConnections == 0 || s.MaxConnections >= 16, "server.max_connections",
		"must be 0 (derived from the descriptor limit) or at least 16, not %d", s.MaxConnections)
	v.atLeast("server.max_connections_per_address", int64(s.MaxConnectionsPerAddr), 0)
	v.atLeast("server.drone_connections", int64(s.DroneConnections), 0)
	if s.MaxConnections > 0 {
		v.check(s.DroneConnections < s.MaxConnections, "server.drone_connections",
			"must be less than server.max_connections (%d), not %d", s.MaxConnections, s.DroneConnections)
		v.check(s.MaxConnectionsPerAddr <= s.MaxConnections, "server.max_connections_per_address",
			"must be at most server.max_connections (%d), not %d", s.MaxConnections, s.MaxConnectionsPerAddr)
	}
	v.atLeastDur("server.header_timeout", s.HeaderTimeout, minPeriod)
	v.atLeastDur("server.read_timeout", s.ReadTimeout, minPeriod)
	v.check(s.ReadTimeout.Duration >= s.HeaderTimeout.Duration, "server.read_timeout",
		"must be at least server.header_timeout (%s), not %q", s.HeaderTimeout, s.ReadTimeout)
	v.atLeastDur("server.idle_timeout", s.IdleTimeout, minPeriod)
}
