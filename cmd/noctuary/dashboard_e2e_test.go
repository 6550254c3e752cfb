package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDashboardMounted: the dashboard answers on the service's own server,
// beside the API: / sends to the incidents, which send to the sign-in page;
// its style sheet is served; the API's routes are untouched.
func TestDashboardMounted(t *testing.T) {
	e := newEnv(t, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		path, location string
		status         int
		body           string
	}{
		{"/", "/dashboard/incidents", http.StatusSeeOther, ""},
		{"/dashboard/incidents", "/dashboard/sign-in?next=%2Fdashboard%2Fincidents", http.StatusSeeOther, ""},
		{"/dashboard/sign-in", "", http.StatusOK, `name="token"`},
		{"/dashboard/static/style.css", "", http.StatusOK, "--accent"},
		{"/healthz", "", http.StatusOK, `"status":"ok"`},
	} {
		res, err := client.Get(e.url + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status || res.Header.Get("Location") != tt.location || !strings.Contains(string(b), tt.body) {
			t.Errorf("GET %s: %d to %q, want %d to %q with %q:\n%.300s", tt.path, res.StatusCode, res.Header.Get("Location"), tt.status, tt.location, tt.body, b)
		}
	}
}
