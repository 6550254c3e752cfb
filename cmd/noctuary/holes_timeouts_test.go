package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestServerHasTimeouts: the running server bounds headers, whole requests
// and idle connections, and answers have more time than requests to arrive.
func TestServerHasTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	s := e.main.server
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.IdleTimeout <= 0 || s.WriteTimeout <= s.ReadTimeout {
		t.Fatalf("timeouts: header %v, read %v, write %v, idle %v", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
}

// TestServerTimeoutsCloseSlowAndIdleClients: a client that stops sending its
// body, or keeps an idle connection, is cut off; a handler slower than the
// read timeout (but within the write timeout) is still answered.
func TestServerTimeoutsCloseSlowAndIdleClients(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "cut off", http.StatusRequestTimeout)
			return
		}
		time.Sleep(400 * time.Millisecond) // longer than Read, shorter than Write
		_, _ = io.WriteString(w, "ok")
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config = newHTTPServer(h, serverTimeouts{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, Write: 3 * time.Second, Idle: 300 * time.Millisecond})
	srv.Start()
	defer srv.Close()

	slow := dial(t, srv.Listener.Addr().String())
	_, _ = io.WriteString(slow, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
	if line := readLine(t, slow); strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("a stalled body got %q; want it cut off", line)
	}

	idle := dial(t, srv.Listener.Addr().String())
	_, _ = io.WriteString(idle, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
	if line := readLine(t, idle); !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("a legit request slower than the read timeout got %q", line)
	}
	_, err := io.Copy(io.Discard, idle) // returns once the server closes the idle connection
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept an idle connection open")
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// Bounds the test: every timeout under test is far shorter.
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// readLine reads the first line of the answer, "" if the server closed the
// connection without one; the deadline passing fails the test.
func readLine(t *testing.T, c net.Conn) string {
	t.Helper()
	line, err := bufio.NewReader(c).ReadString('\n')
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection open")
	}
	return strings.TrimSpace(line)
}
