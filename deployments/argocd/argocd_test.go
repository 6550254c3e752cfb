// Package argocd holds the Argo CD notifications snippet; its test renders
// the snippet's templates as Argo CD does and posts them to the real ingest
// handler.
package argocd

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	"go.yaml.in/yaml/v3"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

const ingestToken = "argo-ingest-token"

// webhookTemplate is a template.<name> entry for the webhook service noctuary.
type webhookTemplate struct {
	Webhook map[string]struct {
		Method string `yaml:"method"`
		Path   string `yaml:"path"`
		Body   string `yaml:"body"`
	} `yaml:"webhook"`
}

// webhookService is service.webhook.noctuary.
type webhookService struct {
	URL     string `yaml:"url"`
	Headers []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"headers"`
}

// configMap is argocd-notifications-cm's data.
func configMap(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("argocd-notifications-cm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		t.Fatalf("argocd-notifications-cm.yaml: %v", err)
	}
	return cm.Data
}

// application is the sample Application with every time set to at, changed
// by edit.
func application(t *testing.T, at time.Time, edit func(app map[string]any)) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/application.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.ReplaceAll(string(raw), `"TIME"`, `"`+at.Format(time.RFC3339)+`"`)) // strings, as in the JSON Argo CD reads
	var app map[string]any
	if err := yaml.Unmarshal(raw, &app); err != nil {
		t.Fatal(err)
	}
	edit(app)
	return app
}

// render renders template.<name> as Argo CD does: text/template with sprig's
// functions but env and expandenv, over .app and .context.
func render(t *testing.T, data map[string]string, name string, app map[string]any) (method, path, body string) {
	t.Helper()
	var tpl webhookTemplate
	if err := yaml.Unmarshal([]byte(data["template."+name]), &tpl); err != nil {
		t.Fatalf("template.%s: %v", name, err)
	}
	wh, ok := tpl.Webhook["noctuary"]
	if !ok {
		t.Fatalf("template.%s has no webhook for the service noctuary", name)
	}
	var ctx map[string]any
	if err := yaml.Unmarshal([]byte(data["context"]), &ctx); err != nil {
		t.Fatal(err)
	}
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	tmpl, err := template.New(name).Funcs(funcs).Parse(wh.Body)
	if err != nil {
		t.Fatalf("template.%s: %v", name, err)
	}
	var sb strings.Builder
	if err := tmpl.Execute(&sb, map[string]any{"app": app, "context": ctx}); err != nil {
		t.Fatalf("template.%s: %v", name, err)
	}
	return wh.Method, wh.Path, sb.String()
}

// post sends body as the webhook service does, with the secret
// $noctuary-ingest-token filled in.
func post(t *testing.T, data map[string]string, base, method, path, body string) (int, string) {
	t.Helper()
	var svc webhookService
	if err := yaml.Unmarshal([]byte(data["service.webhook.noctuary"]), &svc); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range svc.Headers {
		req.Header.Set(h.Name, strings.ReplaceAll(h.Value, "$noctuary-ingest-token", ingestToken))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

func TestNotificationTemplatesPostContextEvents(t *testing.T) {
	data := configMap(t)
	clock := storetest.NewClock(storetest.Epoch(2026, 11, 23, 2, 20, 0))
	at := clock.Now().Add(-5 * time.Minute)
	st := storetest.Open(t, "embedded", store.Options{Now: clock.Now})
	srv := httptest.NewServer(ingest.New(ingest.Options{Store: st, IngestTokens: []ingest.Token{{Token: ingestToken}},
		Now: clock.Now, EventRetention: store.DefaultEventRetention, Logger: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()

	const sha, prev = "a4f2c1e9b07d3c5f8e21a6b4d9c0f7e3a1b2c3d4", "f8b3e2217a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e"
	failure := `one or more objects failed to apply, reason: Deployment.apps "checkout" is invalid: spec.template.spec.containers[0].image: Required value; path C:\deploy` + "\n\t(retried)"
	link := "https://argocd.example.com/applications/checkout"
	ts := at.UTC().Format(time.RFC3339)
	tests := []struct {
		template string
		edit     func(app map[string]any)
		want     noctuary.ContextEvent
	}{
		{"noctuary-sync-succeeded", func(map[string]any) {}, noctuary.ContextEvent{
			ID: "argocd-checkout-synced-" + sha + "-" + ts, Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at,
			Summary:    "checkout synced to " + sha + ": successfully synced (all tasks run)",
			Attributes: map[string]string{"sha": sha, "previous_sha": prev, "application": "checkout", "project": "shop", "initiated_by": "alice@example.com"},
			Link:       link,
		}},
		{"noctuary-sync-failed", func(app map[string]any) {
			// A failed sync of a new sha: history still ends with the running one.
			op := dig(app, "status", "operationState")
			op["phase"], op["message"] = "Failed", failure
			op["syncResult"] = map[string]any{"revision": "0d1e2f3a"}
			status := dig(app, "status")
			status["history"] = status["history"].([]any)[:2]
		}, noctuary.ContextEvent{
			ID: "argocd-checkout-failed-0d1e2f3a-" + ts, Service: "checkout", Kind: "deploy_failed", Source: "argocd", OccurredAt: at,
			Summary:    "checkout sync to 0d1e2f3a Failed: " + failure,
			Attributes: map[string]string{"sha": "0d1e2f3a", "previous_sha": prev, "application": "checkout", "phase": "Failed"},
			Link:       link,
		}},
		{"noctuary-health-degraded", func(app map[string]any) {
			dig(app, "status")["health"] = map[string]any{"status": "Degraded", "message": `Deployment "checkout" exceeded its progress deadline`}
			delete(dig(app, "metadata"), "annotations") // the service is then the Application's name
		}, noctuary.ContextEvent{
			ID: "argocd-checkout-degraded-" + sha, Service: "checkout", Kind: "unhealthy", Source: "argocd", OccurredAt: at,
			Summary:    `checkout is Degraded at ` + sha + `: Deployment "checkout" exceeded its progress deadline`,
			Attributes: map[string]string{"sha": sha, "previous_sha": prev, "application": "checkout", "health": "Degraded"},
			Link:       link,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			method, path, body := render(t, data, tt.template, application(t, at, tt.edit))
			status, answer := post(t, data, srv.URL, method, path, body)
			if status != http.StatusAccepted || answer != `{"accepted":1,"duplicates":0}` {
				t.Fatalf("%s %s answered %d %s; body:\n%s", method, path, status, answer, body)
			}
			got, err := st.EventsInWindow(t.Context(), []string{"checkout"}, at, at)
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, ev := range got {
				if ev.ID == tt.want.ID {
					found = true
					if !equalEvent(ev, tt.want) {
						t.Errorf("stored\n%+v\nwant\n%+v", ev, tt.want)
					}
				}
			}
			if !found {
				t.Errorf("event %s not stored; stored: %+v", tt.want.ID, got)
			}
		})
	}
}

// dig is app's map at path.
func dig(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

func equalEvent(a, b noctuary.ContextEvent) bool {
	if a.ID != b.ID || a.Service != b.Service || a.Kind != b.Kind || a.Source != b.Source || !a.OccurredAt.Equal(b.OccurredAt) ||
		a.Summary != b.Summary || a.Link != b.Link || len(a.Attributes) != len(b.Attributes) {
		return false
	}
	for k, v := range b.Attributes {
		if a.Attributes[k] != v {
			return false
		}
	}
	return true
}
