package agent

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/noctuary/noctuary"
)

// TestCorrelateFastPathMatchesFull checks, on random dense windows (a new
// seed each run, logged), that every shortcut of the ranking rules finds
// what comparing every signal with every other finds: undone's candidate
// pairs, the latest deploy, a failure's role, the failures after a time,
// and each term list's first match.
func TestCorrelateFastPathMatchesFull(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for w := range 6 {
		n, services := 150+r.IntN(250), 1+r.IntN(5)
		events := denseWindow(seed+uint64(w), n, services, seedOnset)
		svc := denseService(r.IntN(services))
		c := Correlation{Onset: seedOnset, From: seedOnset.Add(-DefaultWindow), To: seedOnset.Add(DefaultAfter)}
		var all []noctuary.Signal
		for _, e := range events {
			if !e.OccurredAt.Before(c.From) && !e.OccurredAt.After(c.To) {
				all = append(all, noctuary.Signal{Event: e, Class: ClassifyEvent(e)})
			}
		}
		sc := newScoring(seedIncident(), c, CorrelateOptions{Window: DefaultWindow, After: DefaultAfter, Service: svc}, all)
		for i, s := range all {
			if got, want := sc.failuresAfter(s.Event.OccurredAt), failuresAfter(s.Event.OccurredAt, all); got != want {
				t.Fatalf("window %d: failuresAfter(%s) = %d, want %d", w, s.Event.OccurredAt, got, want)
			}
			if s.Class == noctuary.ClassFailure {
				if got, want := roleOf(i, sc), fullRole(i, sc); got != want {
					t.Fatalf("window %d: role of %+v = %d, want %d", w, s.Event, got, want)
				}
			}
			if got, want := conventionalCommit(s.Event.Summary), conventional.FindStringSubmatch(s.Event.Summary); !slices.Equal(got, want) {
				t.Fatalf("conventionalCommit(%q) = %q, want %q", s.Event.Summary, got, want)
			}
			if got, want := sc.symptomMatches(i), fullSymptomMatches(s.Event, sc.symptoms); s.Class == noctuary.ClassChange && !slices.Equal(got, want) {
				t.Fatalf("symptomMatches(%+v) = %q, want %q", s.Event, got, want)
			}
			if s.Class != noctuary.ClassChange || s.Event.OccurredAt.After(seedOnset) {
				continue
			}
			if got, want := undone(i, sc), fullUndone(i, sc); got != want {
				t.Fatalf("window %d: undone(%+v) = %q, want %q", w, s.Event, got, want)
			}
			for j, o := range all {
				if o.Class == noctuary.ClassChange && o.Event.Service == s.Event.Service {
					if got, want := latestDeploy(i, j, sc), fullLatestDeploy(i, j, sc); got != want {
						t.Fatalf("window %d: latestDeploy(%d, %d) = %v, want %v", w, i, j, got, want)
					}
				}
			}
		}
		for i := range all {
			for _, ts := range allTerms() {
				for _, x := range []text{sc.summary(i), sc.words(i)} {
					if got, want := x.first(ts), x.match(ts.list); got != want {
						t.Fatalf("%q.first(%q) = %q, want %q", x, ts.list, got, want)
					}
				}
			}
			e := all[i].Event
			if got, want := textOf(e.Kind, e.Summary, e.Source), fullTextOf(e.Kind, e.Summary, e.Source); got != want {
				t.Fatalf("textOf(%q, %q, %q) = %q, want %q", e.Kind, e.Summary, e.Source, got, want)
			}
			for _, g := range []struct {
				ts    *terms
				lists func(int) []string
			}{{domainSymptoms, func(d int) []string { return domains[d].symptoms }},
				{domainCauses, func(d int) []string { return domains[d].causes }}} {
				set := sc.words(i).groups(g.ts)
				for d := range domains {
					if got, want := set&(1<<d) != 0, sc.words(i).match(g.lists(d)) != ""; got != want {
						t.Fatalf("%q.groups: domain %s %v, want %v", sc.words(i), domains[d].name, got, want)
					}
				}
			}
		}
	}
}

// TestTermsMatchLikeContains compares text.match with a Contains per term
// on random texts and term lists of a small alphabet, where prefixes,
// repeats and whole-word terms meet.
func TestTermsMatchLikeContains(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	word := func() string {
		b := make([]byte, 1+r.IntN(4))
		for k := range b {
			b[k] = "abc"[r.IntN(3)]
		}
		return string(b)
	}
	for range 2000 {
		var ws []string
		for range r.IntN(8) {
			ws = append(ws, word())
		}
		x := textOf(strings.Join(ws, " "))
		var list []string
		for range 1 + r.IntN(6) {
			term := word()
			if r.IntN(2) == 0 {
				term += " " + word()
			}
			if r.IntN(2) == 0 {
				term += " "
			}
			list = append(list, term)
		}
		if got, want := x.first(newTerms(list...)), x.match(list); got != want {
			t.Fatalf("%q.first(%q) = %q, want %q", x, list, got, want)
		}
		raw := make([]byte, r.IntN(12))
		for k := range raw {
			raw[k] = "aZ _-9\xc5\xbf\xe2\x84\xaa\xff\x80"[r.IntN(13)]
		}
		if w := word(); textOf(string(raw), w) != fullTextOf(string(raw), w) {
			t.Fatalf("textOf(%q, %q) = %q, want %q", raw, w, textOf(string(raw), w), fullTextOf(string(raw), w))
		}
		half := len(list) / 2
		set := x.groups(newTermGroups(list[:half], list[half:]))
		for g, l := range [][]string{list[:half], list[half:]} {
			if got, want := set&(1<<g) != 0, x.match(l) != ""; got != want {
				t.Fatalf("%q.groups(%q): group %d %v, want %v", x, list, g, got, want)
			}
		}
	}
}

// fullTextOf is textOf by strings.ToLower and strings.Join.
func fullTextOf(parts ...string) text {
	var b strings.Builder
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(strings.Join(parts, " ")) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return text(b.String())
}

// fullSymptomMatches is symptomMatches by the tokens of e's texts.
func fullSymptomMatches(e noctuary.ContextEvent, symptoms map[string]bool) []string {
	texts := []string{e.Summary}
	for _, v := range e.Attributes {
		texts = append(texts, v)
	}
	own := tokens(e.Service)
	var m []string
	for w := range tokens(texts...) {
		if symptoms[w] && !own[w] {
			m = append(m, w)
		}
	}
	slices.Sort(m)
	return m
}

// fullUndone is undone comparing change i with every change of the window.
func fullUndone(i int, sc *scoring) string {
	e := sc.all[i].Event
	for j, o := range sc.all {
		u := o.Event
		if o.Class != noctuary.ClassChange || u.Service != e.Service || u.OccurredAt.After(sc.onset) {
			continue
		}
		switch {
		case u.OccurredAt.After(e.OccurredAt) && reverts(i, j, sc):
			return "it was undone at " + clock(u.OccurredAt) + " UTC, before onset"
		case u.OccurredAt.Before(e.OccurredAt) && reverts(j, i, sc):
			return "it undid the change at " + clock(u.OccurredAt) + " UTC"
		}
	}
	return ""
}

// fullLatestDeploy is latestDeploy looking at every signal.
func fullLatestDeploy(ei, ui int, sc *scoring) bool {
	e, u := sc.all[ei].Event, sc.all[ui].Event
	for j, s := range sc.all {
		o := s.Event
		if s.Class == noctuary.ClassChange && o.Service == e.Service && sc.info[j].facts.group == groupDeploy &&
			o.OccurredAt.After(e.OccurredAt) && o.OccurredAt.Before(u.OccurredAt) {
			return false
		}
	}
	return true
}

// fullRole is roleOf looking at every signal before failure i.
func fullRole(i int, sc *scoring) failureRole {
	e := sc.all[i].Event
	switch {
	case e.OccurredAt.After(sc.onset):
		return roleEffect
	case infrastructure(alertKind(e, NormalizeKind(e.Kind)), eventText(e)):
		for j, o := range sc.all {
			if o.Class == noctuary.ClassFailure && o.Event.OccurredAt.Before(e.OccurredAt) &&
				(o.Event.Service == e.Service || ownEvent(e, sc.svc)) &&
				infrastructure(alertKind(o.Event, NormalizeKind(o.Event.Kind)), eventText(o.Event)) {
				return roleEffect
			}
			if sc.realChange[j] && !sc.promoted[j] && o.Event.Service == e.Service && o.Event.OccurredAt.Before(e.OccurredAt) {
				return roleEffect
			}
		}
		return roleInfrastructure
	case sc.ownSymptom(i):
		return roleEffect
	}
	for j, o := range sc.all {
		if j != i && o.Event.OccurredAt.Before(e.OccurredAt) && sc.explains(j) {
			return roleEffect
		}
	}
	return roleFirstFailure
}

// allTerms are the indexed term lists of the ranking rules.
func allTerms() []*terms {
	return slices.Concat([]*terms{noOpIndex, abortIndex, autoscalerIndex, revertIndex, infraIndex, nonProductionIndex},
		scopeIndex, domainSymptomIndex)
}

// TestSignedLikeFmt compares signed with fmt's "%+.2f" on random
// contributions, zeros of both signs, roundings to zero and the
// non-finite values.
func TestSignedLikeFmt(t *testing.T) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	vs := []float64{0, math.Copysign(0, -1), -0.004, 0.004, 0.005, -0.005, 0.125, -0.43, math.Inf(1), math.Inf(-1), math.NaN()}
	for range 2000 {
		vs = append(vs, (r.Float64()-0.5)*3)
	}
	for _, v := range vs {
		if got, want := string(appendSigned(nil, v)), fmt.Sprintf("%+.2f", v); got != want {
			t.Fatalf("appendSigned(%v) = %q, want %q", v, got, want)
		}
	}
}
