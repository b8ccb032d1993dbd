package agentio

import (
	"net/http"
	"time"
)

// LogLine is one line of an agent's owner log.
type LogLine struct {
	Time  time.Time `json:"time"`
	Level string    `json:"level"`
	Text  string    `json:"text"`
}

// LogPart is one worker's answer to an owner's log request, as the gateway
// gathers them: on success Body is the worker's log sealed to the owner's
// reply key (envelope purpose agent-log), a JSON array of LogLine.
type LogPart struct {
	Endpoint string      `json:"endpoint"`
	Status   int         `json:"status"`
	Header   http.Header `json:"header"`
	Body     []byte      `json:"body"`
}
