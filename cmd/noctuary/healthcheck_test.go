package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: `noctuary healthcheck` exits 0 against a running server's
// /healthz, 1 when nothing answers or /healthz is not 200, 2 on a usage
// error.
func TestHealthcheck(t *testing.T) {
	e := newEnv(t, nil)
	_, port, err := net.SplitHostPort(e.main.Addr)
	if err != nil {
		t.Fatal(err)
	}
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, addr string
		args       []string
		code       int
		out        string
	}{
		{"server up", e.main.Addr, nil, 0, "answered 200 OK"},
		{"unspecified host", "0.0.0.0:" + port, nil, 0, "http://127.0.0.1:" + port + "/healthz answered 200"},
		{"port only", ":" + port, nil, 0, "answered 200 OK"},
		{"not 200", strings.TrimPrefix(failing.URL, "http://"), nil, 1, "answered 503"},
		{"nothing listening", closed, nil, 1, "is not answering"},
		{"bad address", "localhost", nil, 2, "must be host:port"},
		{"argument", e.main.Addr, []string{"extra"}, 2, `unexpected argument "extra"`},
		{"help", "", []string{"--help"}, 0, "usage: noctuary healthcheck"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runArgs(t, map[string]string{"NOCTUARY_ADDR": tc.addr}, append([]string{"healthcheck"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.out) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tc.code, tc.out)
			}
		})
	}
}
