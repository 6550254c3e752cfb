package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

func TestMergeIncident(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	now := t0.Add(time.Hour)
	full := noctuary.Incident{ID: "P1", Number: 7, Title: "5xx", Status: "resolved", HTMLURL: "https://pd/P1",
		Service: noctuary.Reference{ID: "PSVC"}, CreatedAt: t0}
	stored := noctuary.IncidentState{Incident: full, Integration: "default", ServiceKey: "checkout",
		AcknowledgedBy: "Ada", AcknowledgedAt: t0, ResolvedAt: t0, TriageID: "tri-1", LastEventAt: t0}
	late := t0.Add(-time.Minute) // before the latest event applied
	cases := []struct {
		name string
		ev   noctuary.WebhookEvent
		want func(*noctuary.IncidentState)
	}{
		{"acknowledged without data keeps fields",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentAcknowledged, OccurredAt: now, Agent: &noctuary.Reference{Summary: "Bob"}, Incident: noctuary.Incident{ID: "P1"}},
			func(s *noctuary.IncidentState) {
				s.Incident.Status, s.AcknowledgedBy, s.AcknowledgedAt = "acknowledged", "Bob", now
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentAcknowledged, At: now, By: "Bob"}}
			}},
		{"status from the data wins",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentAcknowledged, OccurredAt: now, Incident: noctuary.Incident{ID: "P1", Status: "resolved"}},
			func(s *noctuary.IncidentState) {
				s.Incident.Status, s.AcknowledgedAt = "resolved", now
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentAcknowledged, At: now}}
			}},
		{"unacknowledged clears the ack",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentUnacknowledged, Incident: noctuary.Incident{ID: "P1"}},
			func(s *noctuary.IncidentState) {
				s.Incident.Status, s.AcknowledgedBy, s.AcknowledgedAt = "triggered", "", time.Time{}
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentUnacknowledged}}
			}},
		{"resolved",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentResolved, OccurredAt: now, Incident: noctuary.Incident{ID: "P1"}},
			func(s *noctuary.IncidentState) {
				s.Incident.Status, s.ResolvedAt = "resolved", now
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentResolved, At: now}}
			}},
		{"resolved by a merge",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentResolved, OccurredAt: now, Incident: noctuary.Incident{ID: "P1", MergedInto: noctuary.Reference{ID: "P2"}}},
			func(s *noctuary.IncidentState) {
				s.Incident.Status, s.ResolvedAt, s.Incident.MergedInto = "resolved", now, noctuary.Reference{ID: "P2"}
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentResolved, At: now}}
			}},
		{"reopened clears ack and resolution",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentReopened, Integration: "eu", Incident: noctuary.Incident{ID: "P1", Title: "new title", Number: 8}},
			func(s *noctuary.IncidentState) {
				s.Incident.Status, s.Incident.Title, s.Incident.Number, s.Integration = "triggered", "new title", 8, "eu"
				s.AcknowledgedBy, s.AcknowledgedAt, s.ResolvedAt = "", time.Time{}, time.Time{}
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentReopened}}
			}},
		{"a late acknowledged only fills missing fields and takes its place in the course",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentAcknowledged, OccurredAt: late, Agent: &noctuary.Reference{Summary: "Bob"},
				Incident: noctuary.Incident{ID: "P1", Status: "acknowledged", Title: "old title", Urgency: "high"}},
			func(s *noctuary.IncidentState) {
				s.Incident.Urgency = "high"
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentAcknowledged, At: late, By: "Bob"}}
			}},
		{"a late triggered does not reopen",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentTriggered, OccurredAt: late, Incident: noctuary.Incident{ID: "P1", Number: 9}},
			func(*noctuary.IncidentState) {}},
		{"a late unacknowledged keeps the ack",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentUnacknowledged, OccurredAt: late, Incident: noctuary.Incident{ID: "P1"}},
			func(s *noctuary.IncidentState) {
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentUnacknowledged, At: late}}
			}},
		{"an event at the same time applies",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentReopened, OccurredAt: t0, Incident: noctuary.Incident{ID: "P1"}},
			func(s *noctuary.IncidentState) {
				s.Incident.Status, s.AcknowledgedBy, s.AcknowledgedAt, s.ResolvedAt = "triggered", "", time.Time{}, time.Time{}
				s.Course = []noctuary.Transition{{Type: noctuary.EventIncidentReopened, At: t0}}
			}},
		{"annotated changes nothing else",
			noctuary.WebhookEvent{Type: noctuary.EventIncidentAnnotated, Incident: noctuary.Incident{ID: "P1"}},
			func(*noctuary.IncidentState) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := stored
			mergeIncident(&got, c.ev, "", now)
			want := stored
			c.want(&want)
			want.UpdatedAt = now
			if c.ev.OccurredAt.After(want.LastEventAt) {
				want.LastEventAt = c.ev.OccurredAt
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestServiceCodec(t *testing.T) {
	auto := 0.75
	cases := []noctuary.Service{
		{Key: "a", Mode: noctuary.ModeReadOnly},
		{Key: "b", Environment: "prod", Enabled: true, Mode: noctuary.ModeAction, Paused: true, SlackChannel: "C1",
			ApproveOncall: true, LLM: true, AutoAcknowledge: &auto, PagerDutyServiceIDs: []string{"P1"},
			Approvers: []string{"U1", "U2"}, Dependencies: []string{"c"}},
	}
	for _, svc := range cases {
		fields := serviceFields(svc)
		h := map[string]string{}
		for i := 0; i < len(fields); i += 2 {
			h[fields[i].(string)] = fields[i+1].(string)
		}
		if got := parseService(svc.Key, h); !reflect.DeepEqual(got, svc) {
			t.Errorf("round trip of %q: got %+v", svc.Key, got)
		}
	}
	if got := parseService("x", map[string]string{fEnabled: "true"}); got.Mode != noctuary.ModeReadOnly || !got.LLM {
		t.Errorf("defaults of a sparse hash: %+v", got)
	}
}
