package postmortem

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

const incidentID = "QPM1"

// notes posts through package pd's client to the fake PagerDuty, as Main's
// adapter does.
type notes struct{ c *pd.Client }

func (n notes) PostNote(ctx context.Context, _ string, p noctuary.NotePost) (string, error) {
	return n.c.PostNote(ctx, p)
}

// slackRecorder is the Slack job queue as the service sees it: it records
// the revisions queued, or fails while err is set.
type slackRecorder struct {
	mu   sync.Mutex
	revs []int
	err  error
}

func (s *slackRecorder) PostPostmortem(_ context.Context, p noctuary.Postmortem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.revs = append(s.revs, p.Revision)
	return nil
}

func (s *slackRecorder) queued() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.revs...)
}

type pauser bool

func (p pauser) Paused(context.Context, string) (bool, error) { return bool(p), nil }

type fixture struct {
	st    *store.Store
	pd    *pdtest.Server
	c     *pd.Client
	slack *slackRecorder
	svc   *Service
	state noctuary.IncidentState
}

// newFixture is a real redis-server holding a triaged incident of checkout,
// resolved 12 minutes after it triggered, and a Service writing to a fake
// PagerDuty through package pd.
func newFixture(t *testing.T, paused bool) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: storetest.Open(t, "redis", store.Options{}), pd: pdtest.New(t, "pd-token"), slack: &slackRecorder{}}
	c, err := pd.NewClient(noctuary.Integration{ID: "prod", Token: "pd-token", From: "noctuary@example.com", APIURL: f.pd.URL},
		pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	if err := f.st.PutService(ctx, noctuary.Service{Key: "checkout", Environment: "prod", PagerDutyServiceIDs: []string{"PCHECKOUT"}, Enabled: true, Mode: noctuary.ModeReadOnly}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Truncate(time.Second).Add(-15 * time.Minute)
	inc := noctuary.Incident{ID: incidentID, Number: 7, Title: "Checkout 5xx", Status: "triggered", CreatedAt: t0}
	if _, err := f.st.UpdateIncident(ctx, noctuary.WebhookEvent{ID: "e1", Type: noctuary.EventIncidentTriggered, OccurredAt: t0, Incident: inc}, "checkout"); err != nil {
		t.Fatal(err)
	}
	tr := noctuary.Triage{ID: "tr_pm1", Integration: "prod", Service: "checkout", Incident: inc, Onset: t0, Engine: "heuristic",
		Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset", Confidence: 0.94, CreatedAt: t0.Add(time.Second), Note: "Noctuary Context\n…"}
	if err := f.st.SaveTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
	inc.Status = "resolved"
	if f.state, err = f.st.UpdateIncident(ctx, noctuary.WebhookEvent{ID: "e2", Type: noctuary.EventIncidentResolved, OccurredAt: t0.Add(12 * time.Minute), Incident: inc}, "checkout"); err != nil {
		t.Fatal(err)
	}
	f.svc = New(Options{Store: f.st, Notes: notes{c}, Slack: f.slack, Pauser: pauser(paused),
		RenderNote: pd.RenderPostmortemNote, PublicURL: "https://noctuary.example/"})
	return f
}

// postmortemNotes counts the fake's notes that reference a draft.
func (f *fixture) postmortemNotes() []pdtest.Note {
	var out []pdtest.Note
	for _, n := range f.pd.Notes(incidentID) {
		if strings.Contains(n.Content, "Postmortem: pm_pm1") {
			out = append(out, n)
		}
	}
	return out
}

func (f *fixture) draft(t *testing.T) noctuary.Postmortem {
	t.Helper()
	p, err := f.st.Postmortem(context.Background(), incidentID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestResolvedOnce: a resolution delivered again and again, at once by
// several workers, gives one draft, one note and one Slack post.
func TestResolvedOnce(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			// A worker that finds another drafting gets EUnavailable and is
			// retried, as the webhook queue retries it.
			for {
				err := f.svc.Resolved(ctx, f.state)
				if noctuary.ErrorCode(err) != noctuary.EUnavailable {
					if err != nil {
						t.Error(err)
					}
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if err := f.svc.Resolved(ctx, f.state); err != nil {
		t.Fatal(err)
	}
	p := f.draft(t)
	notes := f.postmortemNotes()
	if len(notes) != 1 || p.NoteID != notes[0].ID || p.NoteResult != "posted" || !p.Delivered || p.Revision != 1 {
		t.Fatalf("%d notes; draft note %q (%s), delivered %t, revision %d", len(notes), p.NoteID, p.NoteResult, p.Delivered, p.Revision)
	}
	if got := f.slack.queued(); len(got) != 1 {
		t.Errorf("Slack posts queued: %v, want one", got)
	}
	mustContain(t, notes[0].Content, "https://noctuary.example/api/v1/incidents/QPM1/postmortem", "resolved after 12m0s")
	entries, err := f.st.AuditSearch(ctx, noctuary.AuditQuery{Incident: incidentID})
	if err != nil || len(entries) != 1 || entries[0].Action != ActionDraft || entries[0].Details["note"] != "posted" {
		t.Errorf("audit %+v (%v), want one draft", entries, err)
	}
}

// TestResolvedRetries: a delivery that fails halfway (PagerDuty or Slack's
// queue unavailable) is finished by the retry, and a note an earlier attempt
// posted before dying is found, not posted again.
func TestResolvedRetries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		fail func(f *fixture)
		mend func(f *fixture)
	}{
		{"PagerDuty unavailable", func(f *fixture) { f.pd.FailNext(pdtest.Failure{Status: 503}) }, func(*fixture) {}},
		{"Slack queue unavailable", func(f *fixture) { f.slack.err = noctuary.Errorf(noctuary.EUnavailable, "redis down") },
			func(f *fixture) { f.slack.err = nil }},
		{"died after posting", func(f *fixture) {
			// The earlier attempt set its mark, posted, and died.
			if _, err := f.st.StartPosting(ctx, "pm_pm1", f.state.Incident.CreatedAt); err != nil {
				t.Fatal(err)
			}
			p := noctuary.Postmortem{ID: "pm_pm1", Writer: "template"}
			if _, err := f.c.AddNote(ctx, incidentID, pd.RenderPostmortemNote(p, "https://noctuary.example/x")); err != nil {
				t.Fatal(err)
			}
			f.slack.err = noctuary.Errorf(noctuary.EUnavailable, "the process died")
		}, func(f *fixture) { f.slack.err = nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			tc.fail(f)
			if err := f.svc.Resolved(ctx, f.state); err == nil {
				t.Fatal("the broken delivery succeeded")
			}
			if f.draft(t).Delivered {
				t.Fatal("a draft whose delivery failed is kept as delivered")
			}
			tc.mend(f)
			for range 2 {
				if err := f.svc.Resolved(ctx, f.state); err != nil {
					t.Fatal(err)
				}
			}
			p := f.draft(t)
			if n := len(f.postmortemNotes()); n != 1 || !p.Delivered || p.NoteID == "" || len(f.slack.queued()) != 1 {
				t.Errorf("%d notes, delivered %t, note %q, Slack %v; want 1, true, an ID, one post", n, p.Delivered, p.NoteID, f.slack.queued())
			}
		})
	}
}

// TestResolvedPaused: a paused service's draft is kept and posted in Slack,
// and nothing is written to PagerDuty.
func TestResolvedPaused(t *testing.T) {
	f := newFixture(t, true)
	if err := f.svc.Resolved(context.Background(), f.state); err != nil {
		t.Fatal(err)
	}
	p := f.draft(t)
	if n := len(f.pd.Notes(incidentID)); n != 0 || p.NoteResult != "paused" || !p.Delivered || len(f.slack.queued()) != 1 {
		t.Errorf("%d notes, note %q, delivered %t, Slack %v", n, p.NoteResult, p.Delivered, f.slack.queued())
	}
}

// TestRegenerate: each regeneration replaces the draft with the next
// revision and posts it; the note stays one. Incidents that cannot have a
// draft are refused with a sentence.
func TestRegenerate(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	if err := f.svc.Resolved(ctx, f.state); err != nil {
		t.Fatal(err)
	}
	for want := 2; want <= 3; want++ {
		p, err := f.svc.Regenerate(ctx, incidentID, "slack:U0BOB")
		if err != nil || p.Revision != want || p.CreatedBy != "slack:U0BOB" || f.draft(t).Revision != want {
			t.Fatalf("regenerate: revision %d by %q (%v), want %d", p.Revision, p.CreatedBy, err, want)
		}
		mustContain(t, p.Markdown, "_Draft "+string(rune('0'+want))+", written by Noctuary")
	}
	if got := f.slack.queued(); len(got) != 3 || got[2] != 3 || len(f.postmortemNotes()) != 1 {
		t.Errorf("Slack %v, %d notes; want revisions 1 2 3 and one note", got, len(f.postmortemNotes()))
	}
	open := noctuary.Incident{ID: "QOPEN", Status: "triggered", CreatedAt: time.Now()}
	if _, err := f.st.UpdateIncident(ctx, noctuary.WebhookEvent{ID: "e3", Type: noctuary.EventIncidentTriggered, OccurredAt: time.Now(), Incident: open}, "checkout"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, code, says string
	}{
		{"QNONE", noctuary.ENotFound, "knows no incident QNONE"},
		{"QOPEN", noctuary.EInvalid, "was not triaged"},
	}
	for _, tc := range tests {
		_, err := f.svc.Regenerate(ctx, tc.id, "slack:U0BOB")
		if noctuary.ErrorCode(err) != tc.code || !strings.Contains(noctuary.ErrorMessage(err), tc.says) {
			t.Errorf("Regenerate(%s) = %v, want %s saying %q", tc.id, err, tc.code, tc.says)
		}
	}
}
