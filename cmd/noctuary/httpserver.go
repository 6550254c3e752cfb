package main

import (
	"net/http"
	"time"
)

// serverTimeouts bound how long a client may hold a connection, so that slow
// or idle clients cannot exhaust the server's connections and memory.
type serverTimeouts struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included: an 8 MiB
	// /v1/events batch needs about 140 KiB/s to make it.
	Read time.Duration
	// Write bounds the time from the end of the headers to the end of the
	// answer, so it must cover Read plus the slowest handler (a /v1/events
	// batch written to Redis, a Slack answer within 3 s): several seconds of
	// headroom on top of Read.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next request.
	Idle time.Duration
}

// defaultServerTimeouts are the production timeouts.
var defaultServerTimeouts = serverTimeouts{
	ReadHeader: 10 * time.Second,
	Read:       60 * time.Second,
	Write:      90 * time.Second,
	Idle:       120 * time.Second,
}

// newHTTPServer returns the server of h with timeouts t.
func newHTTPServer(h http.Handler, t serverTimeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
	}
}
