package dashboard

import (
	"net/url"
	"testing"

	"github.com/noctuary/noctuary"
)

// FuzzAuditQuery: any query string gives filters or an invalid-input
// sentence, never a panic, and accepted filters are coherent.
func FuzzAuditQuery(f *testing.F) {
	for _, seed := range []string{"", "service=checkout&actor=dashboard:admin", "since=2026-11-23T02:00&until=2026-11-24",
		"since=2026-11-23T02:00:00Z", "since=yesterday", "service=%ff", "until=2026-13-01", "incident=" + string(make([]byte, 300))} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := auditQuery(v)
		if err != nil {
			if noctuary.ErrorCode(err) != noctuary.EInvalid || noctuary.ErrorMessage(err) == "" {
				t.Fatalf("%q: %v is not an invalid-input sentence", raw, err)
			}
			return
		}
		if q.Service != "" && !noctuary.ValidServiceKey(q.Service) {
			t.Fatalf("%q: service %q accepted", raw, q.Service)
		}
		if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
			t.Fatalf("%q: until before since accepted", raw)
		}
	})
}

// FuzzSafeNext: where sign-in goes next is always a dashboard page of this
// site, whatever the form said.
func FuzzSafeNext(f *testing.F) {
	for _, seed := range []string{"", "/dashboard/services", "//evil.example/", "/dashboard/../x", "https://evil.example", "/dashboard/\\evil", "/dashboard/sign-in"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || len(got) < 11 || got[:11] != "/dashboard/" {
			t.Fatalf("safeNext(%q) = %q leaves the dashboard", next, got)
		}
	})
}
