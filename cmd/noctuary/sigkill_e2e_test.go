package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/internal/logtest"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// killedServices is the configuration file of the process that is killed:
// checkout as testConfig declares it, minus the actions.
const killedServices = `services:
  - key: checkout
    environment: default
    enabled: true
    pagerduty_service_ids: [PCHECKOUT]
    dependencies: [postgres-main]
    llm: true
  - key: postgres-main
    enabled: false
`

// TestSIGKILLMidTriage: a real noctuary process is killed with SIGKILL
// while it triages an incident (its LLM call hangs, the triage lock held).
// Another replica posts the note within NOCTUARY_CLAIM_IDLE + 10 s of the
// kill, not after a 2-minute lock: the dead process's lease is not renewed.
func TestSIGKILLMidTriage(t *testing.T) {
	t.Parallel()
	const claimIdle = 5 * time.Second
	redis, fakePD := storetest.StartRedis(t), pdtest.New(t, testPDToken)
	asked, hang := make(chan struct{}, 1), make(chan struct{})
	gemini := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		select { // never answers
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer gemini.Close()
	defer close(hang)

	victim, logs := startVictim(t, redis.URL, fakePD.URL, gemini.URL, claimIdle)
	e := &env{t: t, url: victim.url, pd: fakePD, redis: redis}
	at := onsetAt()
	e.sendEvents(seedEvents(at, "kill-")...)
	e.sendWebhook(webhook("EV-KILL", noctuary.EventIncidentTriggered, "QKILL", "PCHECKOUT", at))
	select {
	case <-asked:
	case <-time.After(20 * time.Second):
		t.Fatalf("the process never asked the LLM; its log:\n%s", logs)
	}
	victim.kill(t)
	killed := time.Now()

	cfg := testConfig(redis.URL, fakePD.URL)
	cfg.ClaimIdle = claimIdle
	e.cfg = cfg
	e.main = e.start(cfg)
	e.waitNotes("QKILL", 1, claimIdle+10*time.Second-time.Since(killed))
	t.Logf("note posted %s after the SIGKILL", time.Since(killed).Round(100*time.Millisecond))
	e.waitPendingZero(5 * time.Second)
	if n := len(fakePD.Notes("QKILL")); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
}

// victim is a noctuary serve process that a test kills with SIGKILL.
type victim struct {
	*exec.Cmd
	url string
}

// startVictim starts noctuary serve (this test binary as the command, see
// TestMain) on Redis, the fake PagerDuty and a Gemini at geminiURL (which
// it waits for up to 50 s), with checkout as killedServices declares it,
// and waits until it answers. Its log is returned.
func startVictim(t *testing.T, redisURL, pdURL, geminiURL string, claimIdle time.Duration) (*victim, *logtest.Buffer) {
	t.Helper()
	cfgFile := filepath.Join(t.TempDir(), "noctuary.yaml")
	if err := os.WriteFile(cfgFile, []byte(killedServices), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "serve")
	cmd.Env = append(os.Environ(), asCommandEnv+"=1",
		"NOCTUARY_CONFIG="+cfgFile, "NOCTUARY_ADDR="+addr, "NOCTUARY_REDIS_URL="+redisURL,
		"NOCTUARY_ADMIN_TOKEN="+testAdminToken, "NOCTUARY_INGEST_TOKENS="+testIngestToken,
		"NOCTUARY_PAGERDUTY_TOKEN="+testPDToken, "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET="+testWebhookKey,
		"NOCTUARY_PAGERDUTY_FROM=noctuary@example.com", "NOCTUARY_PAGERDUTY_API_URL="+pdURL,
		"NOCTUARY_GEMINI_API_KEY=gemini-test", "NOCTUARY_GEMINI_BASE_URL="+geminiURL,
		"NOCTUARY_LLM_TIMEOUT=50s", "NOCTUARY_CLAIM_IDLE="+claimIdle.String())
	logs := &logtest.Buffer{} // written by exec's copying goroutine while the test may read it
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	v := &victim{Cmd: cmd, url: "http://" + addr}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitUntil(t, "answer from the noctuary process", 20*time.Second, func() bool {
		resp, err := http.Get(v.url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return v, logs
}

// kill kills the process with SIGKILL and waits for it to exit.
func (v *victim) kill(t *testing.T) {
	t.Helper()
	if err := v.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = v.Wait()
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
