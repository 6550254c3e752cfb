package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/dashboard"
	"github.com/noctuary/noctuary/dashboard/slackview"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/store"
)

// shutdownTimeout bounds how long in-flight HTTP requests may take to finish.
const shutdownTimeout = 25 * time.Second

// Main is the whole service: the store, the HTTP server, the triage worker and
// the Slack bot. Run starts it; Close stops it. Tests start it on ":0".
type Main struct {
	Config   *config.Config
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Store    *store.Store
	// Addr is the address the server listens on, known after Run.
	Addr string
	// Now is the clock of credential ages, rotation reminders and OAuth
	// token renewal (default time.Now).
	Now func() time.Time
	// reminderEvery is how often the credentials' ages are measured and
	// due reminders sent (default reminderEvery).
	reminderEvery time.Duration
	// reported is closed once the start-up credential reports are done.
	reported chan struct{}

	server *http.Server
	cancel context.CancelFunc
	group  *errgroup.Group
	done   chan struct{}
}

// NewMain returns a Main for cfg; nothing starts before Run.
func NewMain(cfg *config.Config, logger *slog.Logger) *Main {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Main{Config: cfg, Logger: logger, Registry: prometheus.NewRegistry(), Now: time.Now, reminderEvery: reminderEvery,
		reported: make(chan struct{}), done: make(chan struct{})}
}

// Run opens the store, applies the configuration file's missing entries,
// starts listening and starts the background workers. It returns once the
// server accepts connections.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	s, err := store.Open(ctx, cfg.RedisURL, store.Options{
		EventRetention: cfg.EventRetention,
		Integrations:   cfg.Integrations,
		Actions:        declaredActions(cfg.Services),
		Services:       cfg.Services,
		Registry:       m.Registry,
		Logger:         m.Logger,
		RedisMode:      store.RedisMode(cfg.RedisMode),
		SentinelMaster: cfg.RedisSentinelMaster,
	})
	if err != nil {
		return fmt.Errorf("opening the store: %w", err)
	}
	m.Store = s
	if err := seedServices(ctx, s, cfg.Services, m.Logger); err != nil {
		return err
	}
	if err := s.MarkSeeded(ctx); err != nil {
		return err
	}
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	pager, adm, live := newPagerAdmin(cfg, s, m.Logger, pd.NewMetrics(m.Registry), m.Now)
	rollout := newReview(cfg, m.Now, live, adm, pager)
	srv := ingest.New(ingest.Options{
		Store: live, IngestTokens: ingestTokens(cfg.IngestTokens), AdminToken: cfg.AdminToken, Admin: adm, SlackPreview: slackPreview,
		PublicURL: cfg.PublicURL,
		Registry:  m.Registry, Logger: m.Logger, EventRetention: cfg.EventRetention,
		Sources:   eventSources(cfg.Sources),
		RateLimit: ingest.RateLimit{Limiter: s, PerSecond: cfg.IngestRateLimit, Burst: cfg.IngestBurst},
		Review:    rollout,
	})
	dash := dashboard.New(dashboard.Options{Store: live, Admin: adm, AdminToken: cfg.AdminToken, PublicURL: cfg.PublicURL,
		SlackPreview: slackPreviewHTML, PreviewCSS: slackview.CSS, Logger: m.Logger}).Handler()
	for _, p := range dashboard.Paths {
		srv.Handle(p.Method, p.Path, dash)
	}
	poster := &draftPoster{}
	drafts, err := m.newPostmortems(ctx, s, pager, adm, poster)
	if err != nil {
		return err
	}
	slackBot, err := m.newBot(s, adm, pager, rollout, drafts)
	if err != nil {
		return err
	}
	poster.bot = slackBot
	var mirror agent.Mirror
	var dm admin.DirectMessenger
	if slackBot != nil {
		dm = slackBot
		srv.Handle(http.MethodPost, "/slack/commands", slackBot.CommandsHandler())
		srv.Handle(http.MethodPost, "/slack/interactions", slackBot.InteractionsHandler())
		srv.Handle(http.MethodPost, "/slack/events", slackBot.EventsHandler())
		srv.Component("slack", slackBot)
		mirror = slackBot
	}
	worker, err := m.newWorker(ctx, s, pager, adm, mirror, drafts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("NOCTUARY_ADDR %q: %w", cfg.Addr, err)
	}
	m.Addr = ln.Addr().String()
	ln = ingest.JSONErrors(ln)
	m.server = newHTTPServer(srv.Handler(), defaultServerTimeouts)

	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	g, gctx := errgroup.WithContext(workCtx)
	m.group = g
	g.Go(func() error {
		if err := m.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error { return worker.Run(gctx) })
	g.Go(func() error { return keepSeeded(gctx, s, recoverPeriod, m.Logger) })
	watch := newCredentialWatch(m.Registry, adm, cfg.Slack.Admins, dm, m.reminderEvery, m.Logger)
	g.Go(func() error { return watch.run(gctx, s.Integrations, m.reported) })
	if slackBot != nil {
		g.Go(func() error { return slackBot.Run(gctx) })
	}
	go func() {
		<-gctx.Done()
		close(m.done)
	}()
	return nil
}

// Done is closed when a background part stopped on its own (an error) or
// Close was called.
func (m *Main) Done() <-chan struct{} { return m.done }

// Close stops accepting requests, lets in-flight requests finish, stops the
// workers (in-flight triages finish within their grace), and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		errs = append(errs, m.server.Shutdown(ctx))
		cancel()
	}
	if m.cancel != nil {
		m.cancel()
		errs = append(errs, m.group.Wait())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

func (m *Main) newWorker(ctx context.Context, s *store.Store, pager *pagerDuty, pauser agent.Pauser, mirror agent.Mirror, drafts agent.Postmortems) (*agent.Worker, error) {
	cfg := m.Config
	llm, err := newLLM(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return agent.NewWorker(agent.WorkerOptions{
		Queue: s, State: s,
		Notifiers:      pager,
		Mirror:         mirror,
		Pauser:         pauser,
		Postmortems:    drafts,
		LLM:            llm,
		LLMTimeout:     cfg.LLMTimeout,
		Render:         pd.RenderNote,
		Consumer:       consumerName(),
		Concurrency:    cfg.TriageConcurrency,
		LLMConcurrency: cfg.LLMConcurrency,
		Window:         cfg.CorrelationWindow,
		Memo:           eventMemo(cfg.CorrelationMemoEvents, m.Registry),
		ClaimIdle:      cfg.ClaimIdle,
		Grace:          cfg.ShutdownGrace,
		Metrics:        agent.NewMetrics(m.Registry),
		Logger:         m.Logger,
	}), nil
}

// eventMemo is the worker's EventMemo of size events, nil (none) for 0,
// with the gauge noctuary_correlation_memo_events of what it holds.
func eventMemo(size int, reg prometheus.Registerer) *agent.EventMemo {
	if size == 0 {
		return nil
	}
	memo := agent.NewEventMemo(size)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "noctuary_correlation_memo_events",
		Help: "Events whose ranking facts this process remembers across triages (about 1.3 KB each), at most NOCTUARY_CORRELATION_MEMO_EVENTS.",
	}, func() float64 { return float64(memo.Len()) }))
	return memo
}

// consumerName names this process in the consumer group: host, pid and a
// random suffix, so that restarts and replicas never share a name.
func consumerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

func declaredActions(services []noctuary.Service) map[string][]noctuary.ActionSpec {
	out := make(map[string][]noctuary.ActionSpec, len(services))
	for _, s := range services {
		out[s.Key] = s.Actions
	}
	return out
}

func ingestTokens(in []config.IngestToken) []ingest.Token {
	out := make([]ingest.Token, len(in))
	for i, t := range in {
		out[i] = ingest.Token{Token: t.Token, Services: t.Services}
	}
	return out
}
