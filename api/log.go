package api

// LogPath answers GET with a LogPage: the event log's canonical records
// after ?after=SEQ (default 0), at most ?limit=N of them. It is a read
// view (an operator's token when the server listens beyond loopback) and
// is what `swarm fetch` copies an orchestrator's log with.
const LogPath = "/" + Version + "/log"

// LogPage is one page of the orchestrator's log, enough to prove, link by
// link, that it continues the caller's copy: Prev is the hash chain's value
// after event After (the caller's last), and each record's own value
// follows from the one before it.
type LogPage struct {
	After   uint64      `json:"after"`
	Prev    string      `json:"prev"`    // chain value after After, hex
	Records []LogRecord `json:"records"` // in order, from After+1
	Last    uint64      `json:"last"`    // the last record's seq (After when there is none: the caller is up to date)
}

// LogRecord is one event's canonical record (events/doc.go) and the chain
// value after it.
type LogRecord struct {
	Seq   uint64 `json:"seq"`
	Data  []byte `json:"data"`  // base64 in JSON
	Chain string `json:"chain"` // hex
}

// LogPageMax bounds a page: records, and their bytes.
const (
	LogPageMax      = 20000
	LogPageMaxBytes = 8 << 20
)
