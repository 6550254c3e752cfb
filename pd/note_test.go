package pd

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

func signal(kind, source string, hh, mm, ss int, score float64) noctuary.Signal {
	at := time.Date(2026, 11, 23, hh, mm, ss, 0, time.FixedZone("X", 0))
	return noctuary.Signal{Event: noctuary.ContextEvent{Service: "checkout", Kind: kind, Source: source, OccurredAt: at}, Score: score}
}

func TestRenderNote(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	deploy := signal("deploy", "argocd", 2, 10, 41, 0.9)
	deploy.Event.OccurredAt = deploy.Event.OccurredAt.In(cet) // rendered in UTC whatever the zone
	example := noctuary.Triage{ID: "tr_01", Service: "checkout", Engine: noctuary.EngineHeuristic,
		Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset", Confidence: 0.94,
		Signals:        []noctuary.Signal{signal("OOMKill", "kubernetes", 2, 14, 41, 0.5), deploy, signal("deadlock", "postgres", 2, 14, 33, 0.6)},
		Recommendation: noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback"}}
	var many []noctuary.Signal
	for i := range 11 {
		many = append(many, signal(fmt.Sprintf("k%d", i), "src", 3, i, 0, float64(i%4)))
	}
	tests := []struct {
		name string
		t    noctuary.Triage
		want string
	}{
		{"design example", example, `Noctuary Context
Hypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset (confidence: 94%)
Recent signals: deploy (argocd, 02:10:41), deadlock (postgres, 02:14:33), OOMKill (kubernetes, 02:14:41)
Recommended action: Rollback to sha=f8b3e22
Engine: heuristic · Triage: tr_01 · times UTC`},
		{"no context", noctuary.Triage{ID: "tr_02", Service: "payments", Engine: "heuristic", NoContext: true, Confidence: 0.1,
			Recommendation: noctuary.Recommendation{Text: "Check the upstream provider's status page."}}, `Noctuary Context
Hypothesis: Context not available: no ContextEvents for payments or its dependencies in the correlation window, so the cause is likely outside recent changes.
Recent signals: none in the correlation window
Recommended action: Check the upstream provider's status page.
Engine: heuristic · Triage: tr_02 · times UTC`},
		{"LLM fallback, empty fields", noctuary.Triage{ID: "tr_03", Engine: "heuristic", FallbackReason: "timeout after 10s",
			Confidence: 1.7}, `Noctuary Context
Hypothesis: No hypothesis could be formed from the signals (confidence: 100%)
Recent signals: none
Recommended action: ` + defaultAction + `
Engine: heuristic (LLM answer not used: timeout after 10s) · Triage: tr_03 · times UTC`},
		{"gemini, hostile text", noctuary.Triage{ID: "tr_04", Engine: "gemini-2.5-flash", Hypothesis: "Line one\nEngine: x · Triage: tr_evil\t ",
			Confidence: 0.555, Signals: []noctuary.Signal{signal("deploy\r\nx", "ci\x00", 0, 0, 1, 1)},
			Recommendation: noctuary.Recommendation{Text: "  Roll back\n\nnow "}}, `Noctuary Context
Hypothesis: Line one Engine: x - Triage: tr_evil (confidence: 56%)
Recent signals: deploy x (ci, 00:00:01)
Recommended action: Roll back now
Engine: gemini-2.5-flash · Triage: tr_04 · times UTC`},
		{"more than eight signals", noctuary.Triage{ID: "tr_05", Engine: "heuristic", Hypothesis: "h", Confidence: 0.5, Signals: many,
			Recommendation: noctuary.Recommendation{Text: "r"}}, `Noctuary Context
Hypothesis: h (confidence: 50%)
Recent signals: k1 (src, 03:01:00), k2 (src, 03:02:00), k3 (src, 03:03:00), k5 (src, 03:05:00), k6 (src, 03:06:00), k7 (src, 03:07:00), k9 (src, 03:09:00), k10 (src, 03:10:00), and 3 more
Recommended action: r
Engine: heuristic · Triage: tr_05 · times UTC`},
	}
	tests = append(tests, suggestionNoteCases()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RenderNote(tt.t); got != tt.want {
				t.Errorf("RenderNote =\n%s\nwant\n%s", got, tt.want)
			}
			if !NoteHasTriage(RenderNote(tt.t), tt.t.ID) {
				t.Error("NoteHasTriage does not find the note's own triage ID")
			}
		})
	}
}

func TestRenderNoteStaysSmall(t *testing.T) {
	long := strings.Repeat("日本語 ", 2000)
	var sigs []noctuary.Signal
	for range 500 {
		sigs = append(sigs, signal(long, long, 1, 2, 3, 1))
	}
	note := RenderNote(noctuary.Triage{ID: long, Engine: long, FallbackReason: long, Hypothesis: long, Confidence: 0.5,
		Signals: sigs, Recommendation: noctuary.Recommendation{Text: long}})
	if n := utf8.RuneCountInString(note); n > 1800 {
		t.Errorf("note has %d characters, want at most 1800", n)
	}
	if strings.Count(note, "\n") != 4 {
		t.Errorf("note has %d lines, want 5:\n%s", strings.Count(note, "\n")+1, note)
	}
}

func TestNoteHasTriage(t *testing.T) {
	note := RenderNote(noctuary.Triage{ID: "tr_42", Engine: "heuristic", Hypothesis: "h"})
	tests := []struct {
		name, content, id string
		want              bool
	}{
		{"own note", note, "tr_42", true},
		{"surrounding blank lines", "\n" + note + "\n", "tr_42", true},
		{"other triage", note, "tr_4", false},
		{"longer id", note, "tr_421", false},
		{"empty id", note, "", false},
		{"not a Noctuary note", "Engine: heuristic · Triage: tr_42 · times UTC", "tr_42", false},
		{"id only in hypothesis", RenderNote(noctuary.Triage{ID: "tr_1", Hypothesis: "Triage: tr_42"}), "tr_42", false},
		{"human note", "Rolled back, see tr_42", "tr_42", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NoteHasTriage(tt.content, tt.id); got != tt.want {
				t.Errorf("NoteHasTriage = %v, want %v", got, tt.want)
			}
		})
	}
}
