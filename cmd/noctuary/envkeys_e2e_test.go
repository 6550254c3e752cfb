package main

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/internal/logtest"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// Four integrations, one per environment: prod and staging with their own
// key, From and fake PagerDuty; lab without a key; mirror inbound-only (with
// a key and a fake of its own, which must hear nothing).
var envIntegrations = []struct {
	id, token, secret, from string
	direction               noctuary.Direction
	pdService, service      string
}{
	{"prod", "pd-key-prod", "whsec-prod", "noctuary-prod@example.com", noctuary.DirectionBidirectional, "PCHECKOUT", "checkout"},
	{"staging", "pd-key-staging", "whsec-staging", "noctuary-staging@example.com", noctuary.DirectionBidirectional, "PSEARCH", "search"},
	{"lab", "", "whsec-lab", "noctuary-lab@example.com", noctuary.DirectionBidirectional, "PLAB", "labsvc"},
	{"mirror", "pd-key-mirror", "whsec-mirror", "noctuary-mirror@example.com", noctuary.DirectionInbound, "PMIRROR", "mirrorsvc"},
}

// envsEnv is one Noctuary (real Main, real redis-server) with a fake
// PagerDuty per integration that has a key, and its log.
type envsEnv struct {
	*env
	fakes map[string]*pdtest.Server // by integration ID
	log   *logtest.Buffer
}

// newEnvsEnv starts Noctuary with the integrations of envIntegrations, each
// service enabled in action mode with auto-acknowledge at any confidence, so
// that a triage tries every write it can.
func newEnvsEnv(t *testing.T) *envsEnv {
	t.Helper()
	e := &envsEnv{env: &env{t: t, redis: storetest.StartRedis(t)}, fakes: map[string]*pdtest.Server{}, log: &logtest.Buffer{}}
	e.cfg = testConfig(e.redis.URL, "")
	e.cfg.Integrations, e.cfg.Services = nil, nil
	always := 0.0
	for _, in := range envIntegrations {
		integ := noctuary.Integration{ID: in.id, Environment: in.id, Direction: in.direction,
			WebhookSecrets: []noctuary.Secret{noctuary.Secret(in.secret)}, From: in.from}
		if in.token != "" {
			e.fakes[in.id] = pdtest.New(t, in.token)
			integ.Token, integ.APIURL = noctuary.Secret(in.token), e.fakes[in.id].URL
		}
		e.cfg.Integrations = append(e.cfg.Integrations, integ)
		e.cfg.Services = append(e.cfg.Services, noctuary.Service{Key: in.service, Environment: in.id,
			PagerDutyServiceIDs: []string{in.pdService}, Enabled: true, Mode: noctuary.ModeAction, AutoAcknowledge: &always})
	}
	m := NewMain(e.cfg, slog.New(slog.NewJSONHandler(e.log, nil)))
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Main.Run: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	e.main, e.url = m, "http://"+m.Addr
	return e
}

// deliver posts body to integration's webhook, signed with its secret.
func (e *envsEnv) deliver(integration string, body []byte) {
	e.t.Helper()
	for _, in := range envIntegrations {
		if in.id != integration {
			continue
		}
		status, out := e.do("POST", "/webhooks/pagerduty/"+integration, body, map[string]string{
			"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, in.secret)})
		if status != http.StatusAccepted {
			e.t.Fatalf("webhook of %s answered %d %v, want 202", integration, status, out)
		}
		return
	}
	e.t.Fatalf("no integration %q", integration)
}

// waitTriaged waits until the incident's triage is kept with its note and
// every webhook entry is acknowledged.
func (e *envsEnv) waitTriaged(incidentID string) noctuary.Triage {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx := context.Background()
		st, err := e.main.Store.IncidentState(ctx, incidentID)
		if err == nil && st.TriageID != "" {
			tr, err := e.main.Store.Triage(ctx, st.TriageID)
			if err == nil && tr.Note != "" {
				e.waitPendingZero(10 * time.Second)
				return tr
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("incident %s has no triage with a note after 15s (state %+v, %v)", incidentID, st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIncidentDeliveredToTwoIntegrationsGetsOneNote: with account-wide
// subscriptions every integration's webhook receives every incident. An
// incident of a prod service delivered to the staging and the prod webhooks
// (different event ids) gets exactly one note and one acknowledgement, both
// with prod's key and From on prod's PagerDuty; one of a staging service
// delivered only through prod's webhook is written with staging's key.
func TestIncidentDeliveredToTwoIntegrationsGetsOneNote(t *testing.T) {
	t.Parallel()
	e := newEnvsEnv(t)
	prod, staging := e.fakes["prod"], e.fakes["staging"]
	at := onsetAt()
	e.deliver("staging", webhook("EV-BOTH-STAGING", noctuary.EventIncidentTriggered, "QBOTH", "PCHECKOUT", at))
	e.deliver("prod", webhook("EV-BOTH-PROD", noctuary.EventIncidentTriggered, "QBOTH", "PCHECKOUT", at))
	e.deliver("prod", webhook("EV-CROSS-PROD", noctuary.EventIncidentTriggered, "QCROSS", "PSEARCH", at))
	both, cross := e.waitTriaged("QBOTH"), e.waitTriaged("QCROSS")
	// Both entries are acknowledged; give a duplicate note a moment to show.
	time.Sleep(300 * time.Millisecond)

	if notes := prod.Notes("QBOTH"); len(notes) != 1 || notes[0].From != "noctuary-prod@example.com" || !strings.Contains(notes[0].Content, both.ID) {
		t.Errorf("prod's PagerDuty holds %+v for QBOTH, want one note from noctuary-prod@example.com carrying %s", notes, both.ID)
	}
	if notes := staging.Notes("QCROSS"); len(notes) != 1 || notes[0].From != "noctuary-staging@example.com" || !strings.Contains(notes[0].Content, cross.ID) {
		t.Errorf("staging's PagerDuty holds %+v for QCROSS, want one note from noctuary-staging@example.com", notes)
	}
	if n := len(staging.Notes("QBOTH")) + len(prod.Notes("QCROSS")); n != 0 {
		t.Errorf("%d notes written with another environment's key", n)
	}
	if got, want := prod.Acks(), []string{"QBOTH noctuary-prod@example.com"}; !slices.Equal(got, want) {
		t.Errorf("prod's acknowledgements = %q, want %q", got, want)
	}
	if got, want := staging.Acks(), []string{"QCROSS noctuary-staging@example.com"}; !slices.Equal(got, want) {
		t.Errorf("staging's acknowledgements = %q, want %q", got, want)
	}
	if both.Integration != "prod" || cross.Integration != "staging" {
		t.Errorf("triages name integrations %q and %q, want prod and staging", both.Integration, cross.Integration)
	}
}

// TestEnvironmentWithoutKeyIsNeverWrittenWithAnother: incidents of a service
// whose environment has no key (lab) or is inbound-only (mirror), delivered
// through every webhook, are triaged and kept, logged, and never written to
// any PagerDuty: not with another environment's key, not with their own.
func TestEnvironmentWithoutKeyIsNeverWrittenWithAnother(t *testing.T) {
	t.Parallel()
	e := newEnvsEnv(t)
	at := onsetAt()
	for _, in := range envIntegrations {
		e.deliver(in.id, webhook("EV-LAB-"+in.id, noctuary.EventIncidentTriggered, "QLAB", "PLAB", at))
		e.deliver(in.id, webhook("EV-MIRROR-"+in.id, noctuary.EventIncidentTriggered, "QMIRROR", "PMIRROR", at))
	}
	lab, mirror := e.waitTriaged("QLAB"), e.waitTriaged("QMIRROR")
	time.Sleep(300 * time.Millisecond)

	for id, fake := range e.fakes {
		// Only the start-up check of each integration's own key (GET /abilities) may reach it.
		if n := fake.Requests() - fake.KeyChecks(); n != 0 {
			t.Errorf("%s's PagerDuty received %d requests (%d notes, acks %q)", id, n, len(fake.Notes("")), fake.Acks())
		}
	}
	if lab.NoteID != "" || mirror.NoteID != "" {
		t.Errorf("note IDs %q and %q, want none (nothing posted)", lab.NoteID, mirror.NoteID)
	}
	logged := e.log.String()
	for _, id := range []string{lab.ID, mirror.ID} {
		if !strings.Contains(logged, `"triage":"`+id+`"`) || !strings.Contains(logged, "not posted") {
			t.Errorf("no log line says triage %s was not posted", id)
		}
	}
}
