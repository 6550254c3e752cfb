package main

import (
	"context"
	"maps"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestEventSend: `noctuary event send` against a real server stores the
// event exactly, says so, and a repeat of its --id is stored once.
func TestEventSend(t *testing.T) {
	e := newEnv(t, nil)
	env := map[string]string{"NOCTUARY_URL": e.url + "/", "NOCTUARY_INGEST_TOKEN": testIngestToken}
	at := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	args := []string{"event", "send", "--service", "checkout", "--kind", "deploy", "--source", "ci", "--attr", "sha=a4f2c1",
		"--attr", "previous_sha=f8b3e22", "--link", "https://ci.example/runs/7", "--id", "ci-run-7", "--summary", "checkout v2 shipped",
		"--at", at.Format(time.RFC3339)}
	code, stdout, stderr := runArgs(t, env, args...)
	if code != 0 || strings.TrimSpace(stdout) != "deploy event for checkout stored" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runArgs(t, env, args...)
	if code != 0 || !strings.Contains(stdout, "already stored (id ci-run-7)") {
		t.Fatalf("repeat: exit %d, stdout %q", code, stdout)
	}
	if stderr != "" {
		t.Fatalf("stderr %q for a declared service", stderr)
	}
	code, stdout, stderr = runArgs(t, env, "event", "send", "--service", "Checkout", "--kind", "deploy")
	if code != 0 || strings.TrimSpace(stdout) != "deploy event for Checkout stored" ||
		!strings.Contains(stderr, `warning: Service "Checkout" is not declared; "checkout" is`) {
		t.Fatalf("a key in the wrong case: exit %d, stdout %q, stderr %q; want it stored and a warning on stderr", code, stdout, stderr)
	}
	got, err := e.main.Store.EventsInWindow(context.Background(), []string{"checkout"}, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []noctuary.ContextEvent{{ID: "ci-run-7", Service: "checkout", Kind: "deploy", Source: "ci", OccurredAt: at,
		Summary: "checkout v2 shipped", Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"}, Link: "https://ci.example/runs/7"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %+v, want %+v", got, want)
	}
}

// TestEventSendFailures: every failure is a sentence on stderr with a
// non-zero exit: 2 for the command line, 1 for the server's refusal or
// absence.
func TestEventSendFailures(t *testing.T) {
	e := newEnv(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	ok := []string{"event", "send", "--service", "checkout", "--kind", "deploy"}
	good := map[string]string{"NOCTUARY_URL": e.url, "NOCTUARY_INGEST_TOKEN": testIngestToken}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"wrong token", map[string]string{"NOCTUARY_URL": e.url, "NOCTUARY_INGEST_TOKEN": "guess"}, ok, 1, "Noctuary refused the event (401): The bearer token is not valid."},
		{"server down", map[string]string{"NOCTUARY_URL": closed, "NOCTUARY_INGEST_TOKEN": "t"}, ok, 1, "could not reach Noctuary at " + closed},
		{"not Noctuary", map[string]string{"NOCTUARY_URL": e.url + "/nowhere", "NOCTUARY_INGEST_TOKEN": "t"}, ok, 1, "refused the event (404)"},
		{"no URL", map[string]string{"NOCTUARY_INGEST_TOKEN": "t"}, ok, exitUsage, "NOCTUARY_URL and NOCTUARY_INGEST_TOKEN must be set"},
		{"bad URL", map[string]string{"NOCTUARY_URL": "noctuary:8080", "NOCTUARY_INGEST_TOKEN": "t"}, ok, exitUsage, "NOCTUARY_URL must be an absolute http:// or https:// URL"},
		{"no service", good, []string{"event", "send", "--kind", "deploy"}, exitUsage, "service is required"},
		{"bad attr", good, append(ok, "--attr", "sha"), exitUsage, `--attr "sha" must be key=value`},
		{"bad link", good, append(ok, "--link", "ci/runs/7"), exitUsage, "link must be an absolute http(s) URL"},
		{"bad time", good, append(ok, "--at", "now"), exitUsage, "--at \"now\" is not an RFC 3339 time"},
		{"unknown flag", good, append(ok, "--env", "prod"), exitUsage, "flag provided but not defined: -env"},
		{"argument", good, append(ok, "extra"), exitUsage, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"NOCTUARY_URL": "", "NOCTUARY_INGEST_TOKEN": ""}
			maps.Copy(env, tc.env)
			code, stdout, stderr := runArgs(t, env, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tc.code, tc.want)
			}
			if strings.Contains(stderr, testIngestToken) {
				t.Fatal("stderr shows the token")
			}
		})
	}
	code, stdout, _ := runArgs(t, nil, "event", "send", "--help")
	if code != 0 || !strings.Contains(stdout, "NOCTUARY_INGEST_TOKEN") {
		t.Fatalf("--help: exit %d, %q", code, stdout)
	}
}
