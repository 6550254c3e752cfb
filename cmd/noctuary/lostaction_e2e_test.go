package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// childEnv names the variables that make TestChildMain serve.
const childEnv = "NOCTUARY_TEST_CHILD"

// actionConfig is testConfig with checkout in action mode, U0ALICE its
// approver, Slack at slackURL and the rollback webhook at hookURL.
func actionConfig(redisURL, pdURL, slackURL, hookURL string) *config.Config {
	cfg := testConfig(redisURL, pdURL)
	withSlackAt(slackURL)(cfg)
	cfg.Services[0].Mode = noctuary.ModeAction
	cfg.Services[0].Approvers = []string{"U0ALICE"}
	cfg.Services[0].Actions[0].Webhook = hookURL + "/rollback"
	return cfg
}

// TestChildMain is not a test: run by TestApprovalRunnerKilledEndsUnknown
// as a child process, it serves Main on actionConfig from the environment
// and prints its address, until it is killed.
func TestChildMain(t *testing.T) {
	urls := strings.Split(os.Getenv(childEnv), " ")
	if len(urls) != 4 {
		return // not a child
	}
	m := NewMain(actionConfig(urls[0], urls[1], urls[2], urls[3]), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", m.Addr)
	<-m.Done()
}

// startChild runs TestChildMain in a child process and returns its address
// and the process.
func startChild(t *testing.T, urls ...string) (string, *os.Process) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildMain$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(urls, " "))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if addr, ok := strings.CutPrefix(s.Text(), "ADDR "); ok {
				line <- addr
			}
		}
	}()
	select {
	case addr := <-line:
		return addr, cmd.Process
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not start within 30s")
		return "", nil
	}
}

// approveButton finds the approval ID of the Approve button in a message.
var approveButton = regexp.MustCompile(`"action_id":"` + blocks.ActionApprove + `"[^}]*"value":"([^"]+)"`)

// TestApprovalRunnerKilledEndsUnknown: a process killed (SIGKILL) while it
// runs an approved action leaves the approval running; another replica
// finds it once the click's lease expires, marks it unknown, notes on the
// timeline and in Slack that it must be checked by hand, and never runs the
// action again.
func TestApprovalRunnerKilledEndsUnknown(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	hit, release := make(chan struct{}, 1), make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		hit <- struct{}{}
		select { // the action outlives its runner
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hook.Close() })
	fake := newFakeSlack(t)
	e := &env{t: t, pd: pdtest.New(t, testPDToken), redis: storetest.StartRedis(t)}
	e.cfg = actionConfig(e.redis.URL, e.pd.URL, fake.URL, hook.URL)
	addr, child := startChild(t, e.redis.URL, e.pd.URL, fake.URL, hook.URL)
	e.url = "http://" + addr

	at := onsetAt()
	e.sendEvents(seedEvents(at, "kill-")...)
	e.sendWebhook(webhook("EV-KILL", noctuary.EventIncidentTriggered, "QKILL", "PCHECKOUT", at))
	approvalID := approvalOffered(t, fake, 15*time.Second)
	e.clickApprove(fake, "U0ALICE", "QKILL", approvalID)
	select {
	case <-hit:
	case <-time.After(15 * time.Second):
		var answers []string
		for _, c := range fake.callsTo("response/1") {
			answers = append(answers, string(c.Body))
		}
		t.Fatalf("the action did not start (answers to the click: %q)", answers)
	}
	if err := child.Kill(); err != nil {
		t.Fatal(err)
	}

	e.main = e.start(e.cfg) // another replica
	var a noctuary.Approval
	for deadline := time.Now().Add(15 * time.Second); a.State != noctuary.ApprovalUnknown && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		a, _ = e.main.Store.Approval(context.Background(), approvalID)
	}
	if a.State != noctuary.ApprovalUnknown {
		t.Fatalf("approval is %q after the runner's death, want unknown", a.State)
	}
	notes := e.waitNotes("QKILL", 4, 10*time.Second) // triage, approved, running, lost
	if last := notes[len(notes)-1].Content; !strings.Contains(last, "lost track of rollback") || !strings.Contains(last, "check by hand") {
		t.Errorf("last timeline note = %q, want one saying to check by hand", last)
	}
	var thread string
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(thread, "check by hand") && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, p := range fake.posts() {
			if p.Form.Get("thread_ts") != "" {
				thread += p.Form.Get("text")
			}
		}
	}
	if !strings.Contains(thread, "unknown") || !strings.Contains(thread, "check by hand") {
		t.Errorf("Slack thread = %q, want the unknown outcome and to check by hand", thread)
	}
	time.Sleep(time.Second) // a re-run would have reached the webhook by now
	if n := hits.Load(); n != 1 {
		t.Errorf("the action ran %d times, want once (never re-run)", n)
	}
}
