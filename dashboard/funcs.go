package dashboard

import (
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode"

	"github.com/noctuary/noctuary"
)

// funcs are the templates' helpers; relative times are to the injected
// clock.
func (d *Dashboard) funcs() template.FuncMap {
	return template.FuncMap{
		"age":       age,
		"when":      func(t time.Time) string { return when(t, d.opt.Now()) },
		"utc":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
		"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"precision": precision,
		"shown":     shown,
	}
}

// shown is outside text (an incident's title, an event's kind, source or
// summary) as the dashboard shows it: without invisible format characters,
// so that a right-to-left override cannot show "txt.exe" as "exe.txt" or
// reverse the rest of its cell, and a zero-width space cannot hide in a
// name; control characters become spaces. Escaping is the template's.
func shown(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Cf, r):
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
}

// age says a duration the way people do: "3 days", "5 hours", "12 minutes".
func age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	default:
		return "a minute or less"
	}
}

// when is t in UTC with how long ago it was.
func when(t, now time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC") + " (" + age(now.Sub(t)) + " ago)"
}

// precision says a window's precision: "80 % of 5" or "no votes".
func precision(w noctuary.WindowPrecision) string {
	p, ok := w.All.Precision()
	if !ok {
		return "no votes"
	}
	return fmt.Sprintf("%.0f %% of %d", p*100, w.All.Right+w.All.Wrong)
}
