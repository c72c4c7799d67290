package buildlog

// Usage is what the store keeps: how many logs and their compressed bytes.
type Usage struct {
	Logs  int   `json:"logs"`
	Bytes int64 `json:"bytes"`
}

// Usage counts the logs kept now, as retention (Prune) counts them.
func (s *Store) Usage() (Usage, error) {
	logs, total, err := s.list()
	if err != nil {
		return Usage{}, err
	}
	return Usage{Logs: len(logs), Bytes: total}, nil
}
