package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOversizedHeaderIsAJSONError: a request whose headers pass 1 MiB gets
// a JSON 431 like every other error, not net/http's plain text.
func TestOversizedHeaderIsAJSONError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	conn, err := net.DialTimeout("tcp", e.main.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		// The server may answer and hang up before all of it is written.
		_, _ = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n"))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("431 body is not JSON: %v", err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || resp.Header.Get("Content-Type") != "application/json" ||
		body["code"] != "too_large" || !strings.Contains(body["error"], "1 MiB") {
		t.Errorf("got %d %s %v, want 431 application/json too_large", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
