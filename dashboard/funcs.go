package dashboard

import (
	"fmt"
	"html/template"
	"time"

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
	}
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
