package storetest

import (
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// AOF is a redis-server that writes every command to its append-only file
// before answering (appendonly yes, appendfsync always), in a directory of
// the test. It keeps its port across restarts, so that a client reconnects
// to the same URL: a test can stop it (SIGTERM) or kill it (SIGKILL) and
// start it again with its data.
type AOF struct {
	// URL is the redis:// URL to connect to, across restarts.
	URL string
	// Addr is the server's host:port.
	Addr string

	t    testing.TB
	path string
	port int
	dir  string
	mu   sync.Mutex
	srv  *Server
}

// StartAOF starts an AOF server on a free port of 127.0.0.1, killed when the
// test ends.
func StartAOF(t testing.TB) *AOF {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	a := &AOF{t: t, path: redisServer(t), port: port, dir: t.TempDir()}
	a.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	a.URL = "redis://" + a.Addr
	a.Start()
	t.Cleanup(a.Kill)
	return a
}

// Start starts the server again (it must be stopped), on the same port and
// with the data of its append-only file, and waits until it answers.
func (a *AOF) Start() {
	a.t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	srv, err := start(a.path, a.port, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", a.dir)
	if err != nil {
		a.t.Fatalf("starting redis-server with AOF on port %d: %v", a.port, err)
	}
	a.srv = srv
}

// Kill kills the server with SIGKILL and waits for it to exit.
func (a *AOF) Kill() { a.stop(syscall.SIGKILL) }

// Stop stops the server with SIGTERM (Redis flushes its files and exits)
// and waits for it to exit.
func (a *AOF) Stop() { a.stop(syscall.SIGTERM) }

func (a *AOF) stop(sig syscall.Signal) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.srv == nil {
		return
	}
	a.srv.stop.Do(func() {
		_ = a.srv.cmd.Process.Signal(sig)
		<-a.srv.exited
	})
	a.srv = nil
}
