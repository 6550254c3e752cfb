package dashboard_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestOutsideTextShownAsWritten: an incident's title (PagerDuty's, from
// whatever raised the alert) and its signals' kind, source and summary (the
// sources') are shown without invisible format characters: a right-to-left
// override would show "txt.exe" as "exe.txt" and reverse the rest of its
// cell; a zero-width space hides in a name. Control characters become
// spaces. What is left is escaped, not dropped. (The Slack preview is the
// message as the bot posted it, and shows what Slack shows.)
func TestOutsideTextShownAsWritten(t *testing.T) {
	e := start(t, "checkout").signedIn()
	ctx := context.Background()
	now := time.Now()
	const rlo, pdf, zwsp, lri = "\u202e", "\u202c", "\u200b", "\u2066"
	ev := noctuary.WebhookEvent{ID: "ev-bidi", Type: noctuary.EventIncidentTriggered, Integration: "prod", OccurredAt: now,
		Incident: noctuary.Incident{ID: "QBIDI", Number: 9, Title: "Disk full " + rlo + "txt.exe" + pdf + " on db" + zwsp + "1", Status: "triggered", CreatedAt: now}}
	if _, err := e.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
		t.Fatal(err)
	}
	tr := noctuary.Triage{ID: "tr_bidi", Service: "checkout", Engine: "heuristic", Onset: now, CreatedAt: now,
		Incident: ev.Incident, Hypothesis: "No recent changes found", Note: "Noctuary Context",
		Signals: []noctuary.Signal{{Event: noctuary.ContextEvent{Service: "checkout", Kind: "deploy" + lri, Source: "ci" + rlo + "dc",
			OccurredAt: now.Add(-time.Minute), Summary: rlo + "reversed <b>rest\x07 of the cell"}, Class: noctuary.ClassChange, Score: 0.5}}}
	if err := e.store.SaveTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dashboard/incidents", "/dashboard/incidents/QBIDI"} {
		p := e.get(path)
		expect(t, p, http.StatusOK, "Disk full txt.exe on db1")
		if path != "/dashboard/incidents" {
			expect(t, p, http.StatusOK, "<title>Disk full txt.exe on db1 · Noctuary</title>", "<td class=\"name\">deploy <span",
				"<td class=\"name\">cidc</td>", "reversed &lt;b&gt;rest  of the cell")
		}
		// The Slack preview shows the message as posted (bot's blocks), as it is.
		own, _, _ := strings.Cut(p.body, `id="slack-preview"`)
		for _, c := range []string{rlo, pdf, zwsp, lri, "\x07"} {
			if strings.Contains(own, c) {
				t.Errorf("%s shows the invisible character %U", path, []rune(c)[0])
			}
		}
	}
}
