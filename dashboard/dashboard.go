package dashboard

import (
	"cmp"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Store is what the dashboard reads, and where its sessions live (package
// store satisfies it; Main hands it the store with the admin's opened
// integrations in front, as the admin API has it).
type Store interface {
	Integrations(ctx context.Context) ([]noctuary.Integration, error)
	IntegrationRecord(ctx context.Context, id string) (noctuary.IntegrationRecord, error)
	WebhookTimes(ctx context.Context) (map[string]time.Time, error)
	Services(ctx context.Context) ([]noctuary.Service, error)
	Service(ctx context.Context, key string) (noctuary.Service, error)
	GlobalPaused(ctx context.Context) (bool, error)
	FeedbackPrecision(ctx context.Context, service string) ([]noctuary.WindowPrecision, error)
	Incidents(ctx context.Context, offset, limit int) ([]noctuary.IncidentSummary, int, error)
	IncidentState(ctx context.Context, incidentID string) (noctuary.IncidentState, error)
	Triage(ctx context.Context, triageID string) (noctuary.Triage, error)
	IncidentApprovals(ctx context.Context, incidentID string) ([]noctuary.Approval, error)
	TriageVotes(ctx context.Context, service, triageID string) ([]noctuary.Vote, error)
	AuditSearch(ctx context.Context, q noctuary.AuditQuery) ([]noctuary.AuditEntry, error)
	AuditScan(ctx context.Context, q noctuary.AuditQuery, fn func(noctuary.AuditEntry) error) error
	Audit(ctx context.Context, e noctuary.AuditEntry) (id string, err error)
	Sessions
}

// Sessions keeps the dashboard's sessions in Redis, so that any replica
// serves them, and the sign-in budget per client (a redis_rate bucket).
type Sessions interface {
	PutSession(ctx context.Context, id, csrf string, ttl time.Duration) error
	Session(ctx context.Context, id string) (csrf string, err error)
	DeleteSession(ctx context.Context, id string) error
	Reserve(ctx context.Context, bucket string, perMinute, burst int) (time.Duration, error)
}

// Admin makes the dashboard's changes: the same operations as the admin API
// and the Slack commands (package admin satisfies it), so that a change is
// validated and audited once, as Actor.
type Admin interface {
	Enable(ctx context.Context, actor, service, channel string) (noctuary.Service, error)
	Disable(ctx context.Context, actor, service string) (noctuary.Service, error)
	SetMode(ctx context.Context, actor, service string, mode noctuary.Mode) (noctuary.Service, error)
	SetChannel(ctx context.Context, actor, service, channel string) (noctuary.Service, error)
	Integration(ctx context.Context, id string) (noctuary.Integration, error)
	CreateIntegration(ctx context.Context, actor string, spec noctuary.NewIntegration) (noctuary.Integration, error)
	SetWebhookSecret(ctx context.Context, actor, id string, secret noctuary.Secret) error
	SetToken(ctx context.Context, actor, id string, token noctuary.Secret) error
	CheckConnection(ctx context.Context, id string) (noctuary.ConnectionCheck, error)
	Keys(ctx context.Context) ([]noctuary.KeyStatus, error)
}

// SlackPreview renders an incident's Slack message as safe HTML, from the
// Block Kit blocks the bot posts (Main wires bot/blocks' Preview and
// dashboard/slackview's Render).
type SlackPreview func(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) (template.HTML, error)

// Actor is who the dashboard's changes are audited as: the admin token is
// the only credential, so the person behind it is not known.
const Actor = "dashboard:admin"

// Options configure a Dashboard. Store and Admin are required.
type Options struct {
	Store Store
	Admin Admin
	// AdminToken (NOCTUARY_ADMIN_TOKEN) is what signs in; zero turns the
	// dashboard off.
	AdminToken noctuary.Secret
	// PublicURL (NOCTUARY_PUBLIC_URL) is the base of the webhook URLs
	// shown; an https one makes the session cookie Secure.
	PublicURL string
	// SlackPreview renders the incident page's Slack message; nil leaves it
	// out. PreviewCSS styles its HTML, served as
	// /dashboard/static/slackview.css (a file: the CSP allows no inline style).
	SlackPreview SlackPreview
	PreviewCSS   string
	// FailedSignInDelay slows each failed sign-in down (default 1 s).
	FailedSignInDelay time.Duration
	// SignInsPerMinute and SignInBurst bound the sign-in attempts of one
	// client address, shared by every replica (default 5 a minute, 5 at once).
	SignInsPerMinute, SignInBurst int
	Logger                        *slog.Logger
	Now                           func() time.Time
}

// Dashboard is the server-rendered admin web interface. Serve Handler on
// the paths of Paths.
type Dashboard struct {
	opt       Options
	publicURL string
	secure    bool
	pages     map[string]*template.Template
	static    http.Handler
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Paths are the paths the dashboard answers, in Gin's syntax, with their
// methods: Main mounts Handler on each.
var Paths = []struct{ Method, Path string }{
	{http.MethodGet, "/"},
	{http.MethodGet, "/dashboard/*path"},
	{http.MethodPost, "/dashboard/*path"},
}

// New returns a Dashboard; it parses its embedded templates.
func New(opt Options) *Dashboard {
	opt.Logger = cmp.Or(opt.Logger, slog.New(slog.DiscardHandler))
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.FailedSignInDelay = cmp.Or(opt.FailedSignInDelay, time.Second)
	opt.SignInsPerMinute = cmp.Or(opt.SignInsPerMinute, 5)
	opt.SignInBurst = cmp.Or(opt.SignInBurst, 5)
	public := strings.TrimRight(cmp.Or(opt.PublicURL, "http://localhost:8080"), "/")
	d := &Dashboard{opt: opt, publicURL: public, secure: strings.HasPrefix(public, "https://"), pages: map[string]*template.Template{}}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory is there: a build without it does not compile
	}
	d.static = http.StripPrefix("/dashboard/static/", http.FileServerFS(static))
	for _, name := range []string{"signin", "integrations", "services", "incidents", "incident", "audit", "error"} {
		d.pages[name] = template.Must(template.New(name).Funcs(d.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return d
}

// Handler serves the dashboard: its pages under /dashboard/, / sending to
// the incidents, with security headers on every answer.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard/incidents", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /dashboard/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard/incidents", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /dashboard/static/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			d.renderError(w, r, nil, noctuary.Errorf(noctuary.ENotFound, "There is no file %s.", r.URL.Path))
			return
		}
		d.static.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /dashboard/static/slackview.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(d.opt.PreviewCSS))
	})
	mux.HandleFunc("GET /dashboard/sign-in", d.signInPage)
	mux.HandleFunc("POST /dashboard/sign-in", d.signIn)
	mux.Handle("POST /dashboard/sign-out", d.auth(d.signOut))
	mux.Handle("GET /dashboard/integrations", d.auth(d.integrationsPage))
	mux.Handle("POST /dashboard/integrations", d.auth(d.createIntegration))
	mux.Handle("POST /dashboard/integrations/{id}/webhook-secret", d.auth(d.setWebhookSecret))
	mux.Handle("POST /dashboard/integrations/{id}/token", d.auth(d.setToken))
	mux.Handle("POST /dashboard/integrations/{id}/check", d.auth(d.checkConnection))
	mux.Handle("GET /dashboard/services", d.auth(d.servicesPage))
	mux.Handle("POST /dashboard/services/{key}/enabled", d.auth(d.setEnabled))
	mux.Handle("POST /dashboard/services/{key}/mode", d.auth(d.setMode))
	mux.Handle("POST /dashboard/services/{key}/channel", d.auth(d.setChannel))
	mux.Handle("GET /dashboard/incidents", d.auth(d.incidentsPage))
	mux.Handle("GET /dashboard/incidents/{id}", d.auth(d.incidentPage))
	mux.Handle("GET /dashboard/audit", d.auth(d.auditPage))
	mux.Handle("GET /dashboard/audit.ndjson", d.auth(d.auditExport))
	mux.HandleFunc("/dashboard/", func(w http.ResponseWriter, r *http.Request) {
		d.renderError(w, r, nil, noctuary.Errorf(noctuary.ENotFound, "There is no page %s %s.", r.Method, r.URL.Path))
	})
	return d.headers(mux)
}

// csp allows the dashboard's own style sheet and script, nothing inline
// but markup (the timeline's SVG), and no framing.
const csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// headers sets the security headers of every answer, and turns the
// dashboard off without an admin token.
func (d *Dashboard) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if d.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/dashboard/static/") {
			h.Set("Cache-Control", "no-store")
		}
		if d.opt.AdminToken.IsZero() {
			d.renderError(w, r, nil, noctuary.Errorf(noctuary.ENotFound, "The dashboard is off: set NOCTUARY_ADMIN_TOKEN and restart Noctuary."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// view is what every page's template gets: the layout's parts and the
// page's own data.
type view struct {
	Title string
	// Nav names the menu entry of the page.
	Nav string
	// CSRF is the session's token for the page's forms; "" signed out.
	CSRF string
	// Error and Notice are sentences shown above the page.
	Error  string
	Notice string
	Data   any
}

// render writes page name with v and status.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := d.pages[name].ExecuteTemplate(w, "layout", v); err != nil {
		d.opt.Logger.LogAttrs(r.Context(), slog.LevelError, "dashboard page failed", slog.String("page", name), slog.Any("error", err))
	}
}

// renderError answers err as a page with its sentence and the status of
// its code, logging faults of ours with their cause.
func (d *Dashboard) renderError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	code := noctuary.ErrorCode(err)
	switch code {
	case noctuary.EInternal:
		d.opt.Logger.LogAttrs(r.Context(), slog.LevelError, "dashboard request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	case noctuary.EUnavailable:
		d.opt.Logger.LogAttrs(r.Context(), slog.LevelWarn, "store unavailable", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	v := view{Title: "Error", Error: sentence(noctuary.ErrorMessage(err))}
	if s != nil {
		v.CSRF = s.csrf
	}
	d.render(w, r, noctuary.HTTPStatus(code), "error", v)
}

// sentence makes msg a sentence: a capital first letter and a full stop
// (admin's messages are written to follow "error: ").
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}
