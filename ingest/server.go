// Package ingest is Noctuary's HTTP front door (docs/architecture.md, "HTTP contract"): PagerDuty webhook
// ingress, ContextEvent ingest, health checks, Prometheus metrics and the
// admin API, served by Gin. Other front ends (Slack, the dashboard) mount their
// handlers on the same server with Handle.
package ingest

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/noctuary/noctuary"
)

// Store is what the server needs from Redis; *store.Store satisfies it.
type Store interface {
	Ping(ctx context.Context) error
	EnqueueWebhook(ctx context.Context, ev noctuary.WebhookEvent) (duplicate bool, err error)
	AddEvents(ctx context.Context, evs []noctuary.ContextEvent) (accepted, duplicates int, err error)
	EventsInWindow(ctx context.Context, services []string, from, to time.Time) ([]noctuary.ContextEvent, error)
	ServiceByPagerDutyID(ctx context.Context, pdServiceID string) (noctuary.Service, error)
	Integration(ctx context.Context, id string) (noctuary.Integration, error)
	Integrations(ctx context.Context) ([]noctuary.Integration, error)
	IncidentState(ctx context.Context, incidentID string) (noctuary.IncidentState, error)
	Triage(ctx context.Context, triageID string) (noctuary.Triage, error)
	DeadWebhooks(ctx context.Context, limit int) ([]noctuary.DeadWebhook, error)
	Service(ctx context.Context, key string) (noctuary.Service, error)
	Services(ctx context.Context) ([]noctuary.Service, error)
	GlobalPaused(ctx context.Context) (bool, error)
	AuditSearch(ctx context.Context, q noctuary.AuditQuery) ([]noctuary.AuditEntry, error)
	AuditScan(ctx context.Context, q noctuary.AuditQuery, fn func(noctuary.AuditEntry) error) error
	Incidents(ctx context.Context, offset, limit int) ([]noctuary.IncidentSummary, int, error)
	IncidentApprovals(ctx context.Context, incidentID string) ([]noctuary.Approval, error)
	TriageVotes(ctx context.Context, service, triageID string) ([]noctuary.Vote, error)
	FeedbackPrecision(ctx context.Context, service string) ([]noctuary.WindowPrecision, error)
	StreamLengths(ctx context.Context) (map[string]int64, error)
	MarkWebhook(ctx context.Context, integration string, at time.Time) error
	Postmortem(ctx context.Context, incidentID string) (noctuary.Postmortem, error)
}

// Token is a bearer token accepted by /v1/events.
type Token struct {
	Token noctuary.Secret
	// Services limits the token to these service keys; empty means every service.
	Services []string
}

// Options configure a Server. Store is required.
type Options struct {
	Store        Store
	IngestTokens []Token
	// AdminToken guards /api/v1; empty turns the admin API off.
	AdminToken noctuary.Secret
	// Admin makes the admin API's changes; nil leaves it read-only.
	Admin Admin
	// PublicURL is the base of the webhook URLs the admin API shows
	// (NOCTUARY_PUBLIC_URL; default http://localhost:8080).
	PublicURL string
	// SlackPreview renders an incident's Slack message for the admin API;
	// nil leaves it out.
	SlackPreview SlackPreview
	// Registry receives the server's metrics and is served on /metrics; nil
	// means a new registry with the Go and process collectors.
	Registry *prometheus.Registry
	Logger   *slog.Logger
	Now      func() time.Time
	// EventRetention is the store's: an event that occurred longer ago is
	// refused with the batch's other validation errors. Zero leaves the
	// refusal to the store, whose answer lists no index.
	EventRetention time.Duration
	// Sources are the tools' endpoints, POST /v1/events/<name>.
	Sources []Source
	// RateLimit is each ingest token's event budget; the zero value is no limit.
	RateLimit RateLimit
	// Review builds GET /api/v1/review; nil answers 404.
	Review Reviewer
}

// Server is the HTTP server. Create it with New; serve Handler.
type Server struct {
	store    Store
	engine   *gin.Engine
	admin    *gin.RouterGroup
	tokens   tokenSet
	adminKey *tokenSet
	adm      Admin
	preview  SlackPreview
	review   Reviewer
	// publicURL is Options.PublicURL without its trailing slash.
	publicURL string
	services  *serviceCache
	keyCase   *keyCase
	metrics   *metrics
	limit     RateLimit
	ahead     budgetAhead
	limited   *prometheus.CounterVec
	// registry gets the components' gauges; components are what /readyz
	// reports besides the store.
	registry   prometheus.Registerer
	components map[string]Component
	log        *slog.Logger
	now        func() time.Time
	retention  time.Duration
	// marked is when this replica last marked each integration's signed
	// webhook in the store (markWebhook).
	marked sync.Map
}

// New builds a Server and registers its metrics on opt.Registry (a registry
// serves one Server). It puts Gin in release mode, which is process-wide.
func New(opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
		opt.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{
		store:     opt.Store,
		adm:       opt.Admin,
		preview:   opt.SlackPreview,
		review:    opt.Review,
		publicURL: strings.TrimRight(cmp.Or(opt.PublicURL, "http://localhost:8080"), "/"),
		tokens:    newTokenSet(opt.IngestTokens),
		services:  newServiceCache(opt.Store, opt.Now, serviceCacheTTL),
		keyCase:   &keyCase{store: opt.Store, now: opt.Now},
		metrics:   newMetrics(opt.Registry, opt.Store, opt.Logger),
		limit:     opt.RateLimit,
		limited:   limitedMetric(opt.Registry),
		registry:  opt.Registry, components: map[string]Component{},
		log:       opt.Logger,
		now:       opt.Now,
		retention: opt.EventRetention,
	}
	if !opt.AdminToken.IsZero() {
		admin := newTokenSet([]Token{{Token: opt.AdminToken}})
		s.adminKey = &admin
	}
	s.engine = s.newEngine(opt.Sources, promhttp.HandlerFor(opt.Registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(opt.Logger.Handler(), slog.LevelError)}))
	return s
}

func (s *Server) newEngine(srcs []Source, metricsHandler http.Handler) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.HandleMethodNotAllowed = true
	e.Use(s.observe, s.recover)
	e.NoRoute(func(c *gin.Context) {
		s.fail(c, noctuary.Errorf(noctuary.ENotFound, "There is no route %s %s.", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		writeError(c, http.StatusMethodNotAllowed, "method_not_allowed", "Method "+c.Request.Method+" is not allowed here; allowed: "+c.Writer.Header().Get("Allow")+".", nil)
	})
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(metricsHandler))
	e.POST("/webhooks/pagerduty/:integration", s.postWebhook)
	e.POST("/v1/events", s.postEvents)
	for _, src := range srcs {
		e.POST("/v1/events/"+src.Name, s.postSource(src))
	}
	s.admin = e.Group("/api/v1", s.requireAdmin)
	s.admin.GET("/incidents/:id", s.getIncident)
	s.admin.GET("/webhooks/dead", s.getDeadWebhooks)
	s.admin.GET("/services/:key", s.getService)
	s.admin.GET("/review", s.getReview)
	s.apiRoutes()
	return e
}

// Handler returns the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Handle mounts h on method and path (Gin syntax: ":name" parameters), with
// the server's recovery, metrics and request log. Call it before serving.
func (s *Server) Handle(method, path string, h http.Handler) {
	s.engine.Handle(method, path, gin.WrapH(h))
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Time limits of store calls, so that callers hear back before they give up
// (PagerDuty waits 5 s).
const (
	readyTimeout   = 2 * time.Second
	webhookTimeout = 4 * time.Second
)
