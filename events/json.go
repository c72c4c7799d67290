package events

import (
	"encoding/json"
	"fmt"
	"time"
)

// UnmarshalJSON reads what MarshalJSON writes (the lease as a Go duration),
// so a client of the orchestrator's event stream gets the Event back.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var v struct {
		plain
		Lease string `json:"lease,omitempty"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Event(v.plain)
	if v.Lease != "" {
		d, err := time.ParseDuration(v.Lease)
		if err != nil {
			return fmt.Errorf("event lease: %w", err)
		}
		e.Lease = d
	}
	return nil
}
