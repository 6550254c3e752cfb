// Package storetest starts real and embedded Redis stores for tests.
package storetest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
)

// Kinds are the store kinds tests run against: a real redis-server and the
// embedded in-process Redis.
var Kinds = []string{"redis", "embedded"}

// AllKinds are Kinds and "cluster", a three-master Redis Cluster: the kinds
// Open accepts, and those the store's own tests run against. A package
// whose tests open the kind "cluster" calls StopClusters from TestMain.
var AllKinds = []string{"redis", "embedded", "cluster"}

const (
	startAttempts = 5
	startTimeout  = 10 * time.Second
)

// Server is a redis-server process without persistence, on 127.0.0.1.
type Server struct {
	// URL is the redis:// URL to connect to.
	URL string
	// Addr is the server's host:port.
	Addr string

	cmd    *exec.Cmd
	exited chan struct{}
	stop   sync.Once
}

// StartRedis starts a redis-server on a free port of 127.0.0.1, killed when
// the test ends. Without redis-server on PATH the test fails when the CI
// variable is set (CI must run it) and is skipped otherwise.
func StartRedis(t testing.TB) *Server {
	t.Helper()
	srv := startWith(t, func(port int) ([]string, error) { return plainArgs(port), nil })
	t.Cleanup(srv.Stop)
	return srv
}

// plainArgs are the arguments of a redis-server on port without
// persistence.
func plainArgs(port int) []string {
	return append(portArgs(port), "--save", "", "--appendonly", "no")
}

func portArgs(port int) []string {
	return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}
}

// startWith starts redis-server with the arguments argv returns for a free
// port, retrying on another port when it does not come up. The caller
// stops it.
func startWith(t testing.TB, argv func(port int) ([]string, error)) *Server {
	t.Helper()
	path := redisServer(t)
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		args, err := argv(port)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := launch(path, port, args)
		if err == nil {
			return srv
		}
		t.Logf("starting redis-server: %v (retrying)", err)
	}
	t.Fatalf("redis-server did not start after %d attempts", startAttempts)
	return nil
}

// redisServer returns the path of redis-server (see redisTool).
func redisServer(t testing.TB) string { return redisTool(t, "redis-server") }

// redisTool returns the path of a Redis program (redis-server, redis-cli).
// Without it on PATH the test fails when the CI variable is set (CI must
// run it) and is skipped otherwise.
func redisTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed: %v", name, err)
		}
		t.Skipf("%s is not installed; install redis-server and redis-tools to run this test", name)
	}
	return path
}

// start runs redis-server on port with the extra args and waits until it
// answers PING.
func start(path string, port int, args ...string) (*Server, error) {
	return launch(path, port, append(portArgs(port), args...))
}

// launch runs redis-server with args (which make it listen on port of
// 127.0.0.1) and waits until it answers PING.
func launch(path string, port int, args []string) (*Server, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	srv := &Server{URL: "redis://" + addr, Addr: addr, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(srv.exited)
	}()
	if err := srv.waitReady(); err != nil {
		srv.Stop()
		return nil, err
	}
	return srv, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls PING until the server answers, exits or times out.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(s.Addr)
		if err == nil {
			// Another test's server may have taken the port between
			// freePort and this one's bind (this one then exits): PONG
			// alone does not say whose it is.
			return s.ours()
		}
		select {
		case <-s.exited:
			return err
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ours reports an error unless the server answering on s.Addr is the
// process s started (INFO server's process_id).
func (s *Server) ours() error {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "INFO server\r\n"); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
	if err != nil {
		return fmt.Errorf("unexpected reply %q to INFO server", head)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	want := "process_id:" + strconv.Itoa(s.cmd.Process.Pid) + "\r\n"
	if !strings.Contains(string(body), want) {
		return fmt.Errorf("%s is served by another redis-server than the one started (pid %d)", s.Addr, s.cmd.Process.Pid)
	}
	return nil
}

// ping sends an inline PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("unexpected reply %q to PING", line)
	}
	return nil
}

// Stop kills the server (for tests of a Redis outage) and waits for it to
// exit. It is safe to call more than once.
func (s *Server) Stop() {
	s.stop.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// Open returns a store of the given kind ("redis": on a fresh redis-server;
// "embedded": in-process; "cluster": on an empty three-master Redis
// Cluster, lent to this test alone), closed when the test ends. A nil
// opt.Logger discards logs.
func Open(t testing.TB, kind string, opt store.Options) *store.Store {
	t.Helper()
	url := ""
	switch kind {
	case "redis":
		url = StartRedis(t).URL
	case "embedded":
	case "cluster":
		url, opt.RedisMode = LendCluster(t).URL, store.RedisCluster
	default:
		t.Fatalf("unknown store kind %q; want one of %v", kind, AllKinds)
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := store.Open(context.Background(), url, opt)
	if err != nil {
		t.Fatalf("opening the %s store: %v", kind, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
