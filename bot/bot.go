package bot

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/sync/errgroup"

	"github.com/noctuary/noctuary"
)

// DefaultAPIURL is Slack's Web API base.
const DefaultAPIURL = "https://slack.com/api/"

// Store is the part of the store the bot uses: service settings, incident
// state and triages, the Slack job queue, the incidents' message records
// and the feedback on hypotheses.
type Store interface {
	Service(ctx context.Context, key string) (noctuary.Service, error)
	IncidentState(ctx context.Context, incidentID string) (noctuary.IncidentState, error)
	EnqueueSlackJob(ctx context.Context, data []byte) error
	NextSlackJob(ctx context.Context, consumer string, block, minIdle time.Duration) (id string, data []byte, deliveries int64, err error)
	AckSlackJob(ctx context.Context, id string) error
	RenewSlackJob(ctx context.Context, consumer, id string) (bool, error)
	DeadLetterSlackJob(ctx context.Context, consumer, id string, data []byte, reason string) (bool, error)
	SlackMessage(ctx context.Context, incidentID string) (map[string]string, error)
	SetSlackMessage(ctx context.Context, incidentID string, fields map[string]string) error
	LockSlackMessage(ctx context.Context, incidentID string, ttl time.Duration) (release func(), ok bool, err error)
	Triage(ctx context.Context, triageID string) (noctuary.Triage, error)
	FeedbackPrecision(ctx context.Context, service string) ([]noctuary.WindowPrecision, error)
	FirstSlackRequest(ctx context.Context, signature string, ttl time.Duration) (bool, error)
	SlackThread(ctx context.Context, channel, ts string) (incidentID string, err error)
	Postmortem(ctx context.Context, incidentID string) (noctuary.Postmortem, error)
}

// Admin runs the admin operations (one validation and one audit entry per
// change, whichever front end asks).
type Admin interface {
	Status(ctx context.Context, service string) ([]noctuary.Service, error)
	Create(ctx context.Context, actor string, spec noctuary.NewService) (noctuary.Service, error)
	Enable(ctx context.Context, actor, service, channel string) (noctuary.Service, error)
	Disable(ctx context.Context, actor, service string) (noctuary.Service, error)
	SetMode(ctx context.Context, actor, service string, mode noctuary.Mode) (noctuary.Service, error)
	AddApprover(ctx context.Context, actor, service, approver string) (noctuary.Service, error)
	RemoveApprover(ctx context.Context, actor, service, approver string) (noctuary.Service, error)
	Pause(ctx context.Context, actor, service string) error
	Resume(ctx context.Context, actor, service string) error
	Paused(ctx context.Context, service string) (bool, error)
	Keys(ctx context.Context) ([]noctuary.KeyStatus, error)
	RotateKey(ctx context.Context, actor, environment string, newToken noctuary.Secret) error
	AuditLog(ctx context.Context, service string, limit int) ([]noctuary.AuditEntry, error)
}

// Approvals decides and runs the actions offered on a message (package
// approvals satisfies it).
type Approvals interface {
	MayAct(ctx context.Context, svc noctuary.Service) error
	Offer(ctx context.Context, t noctuary.Triage, svc noctuary.Service) ([]noctuary.Offer, error)
	Decide(ctx context.Context, approvalID, runner string, u noctuary.User) (noctuary.Approval, error)
	Acknowledge(ctx context.Context, incidentID string, u noctuary.User) error
	Feedback(ctx context.Context, triageID string, u noctuary.User, right bool) error
	Miss(ctx context.Context, triageID string, u noctuary.User, signal *int, text string) error
}

// Options configures a Bot.
type Options struct {
	// BotToken (xoxb-) calls the Web API.
	BotToken noctuary.Secret
	// SigningSecret verifies requests to the HTTP endpoints; required unless
	// AppToken is set.
	SigningSecret noctuary.Secret
	// AppToken (xapp-) turns on Socket Mode.
	AppToken noctuary.Secret
	// APIURL is the Web API base (default DefaultAPIURL).
	APIURL string
	// Admins are the Slack user IDs that may run admin commands.
	Admins    []string
	Store     Store
	Admin     Admin
	Approvals Approvals
	// Review builds /noctuary review; nil says it is not available.
	Review Reviewer
	// Postmortems regenerates postmortem drafts; nil: /noctuary postmortem
	// says they are not set up.
	Postmortems Postmortems
	// ClaimIdle is how long a Slack job stays with a worker (a crash, or a
	// failure left for retry) before it is tried again (default 30s).
	ClaimIdle time.Duration
	// Metrics default to unregistered ones.
	Metrics *Metrics
	// Logger defaults to slog.Default(); Now to time.Now.
	Logger *slog.Logger
	Now    func() time.Time
}

// Bot serves Slack's requests and runs the Slack job worker.
type Bot struct {
	opt Options
	api *slack.Client
	dir *Directory
	log *slog.Logger
	now func() time.Time
	// http sends every Web API call and response_url answer, each bounded
	// by CallTimeout.
	http *http.Client
	// consumer prefixes the consumer name of each job worker: host, pid and
	// a random part, so that workers, restarts and replicas never share one.
	consumer string
	// block is how long the worker waits for a new job per round.
	block time.Duration
	// minIdle is how long a job stays with a worker before another may take it.
	minIdle time.Duration
	// wait sleeps for d unless ctx ends first (Retry-After, back-off).
	wait func(ctx context.Context, d time.Duration) error

	mu sync.Mutex
	// socketErr is why Socket Mode is not connected (nil: it is, or is
	// not used).
	socketErr error
}

// New checks opt and returns a Bot; every missing piece is named at once.
func New(opt Options) (*Bot, error) {
	if err := validate(&opt); err != nil {
		return nil, err
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	host, _ := os.Hostname()
	minIdle := cmp.Or(opt.ClaimIdle, jobMinIdle)
	dir := NewDirectory(opt.BotToken, opt.APIURL, CallTimeout(minIdle))
	return &Bot{
		opt: opt, api: dir.api, dir: dir, log: opt.Logger, now: opt.Now,
		http:      dir.http,
		consumer:  fmt.Sprintf("slack-%s-%d-%s", host, os.Getpid(), rand.Text()[:8]),
		block:     jobBlock,
		minIdle:   minIdle,
		wait:      sleep,
		socketErr: socketStart(opt.AppToken),
	}, nil
}

// socketStart is Socket Mode's health before it first connects.
func socketStart(appToken noctuary.Secret) error {
	if appToken.IsZero() {
		return nil
	}
	return errSocketConnecting
}

func validate(opt *Options) error {
	var errs []error
	if opt.BotToken.IsZero() {
		errs = append(errs, errors.New("the Slack bot token is missing: set NOCTUARY_SLACK_BOT_TOKEN"))
	}
	if opt.SigningSecret.IsZero() && opt.AppToken.IsZero() {
		errs = append(errs, errors.New("the Slack signing secret is missing: set NOCTUARY_SLACK_SIGNING_SECRET (or NOCTUARY_SLACK_APP_TOKEN for Socket Mode)"))
	}
	if !opt.AppToken.IsZero() && !strings.HasPrefix(opt.AppToken.Reveal(), "xapp-") {
		errs = append(errs, errors.New("the Slack app token must be an app-level token (xapp-...): check NOCTUARY_SLACK_APP_TOKEN"))
	}
	if opt.Store == nil || opt.Admin == nil || opt.Approvals == nil {
		errs = append(errs, errors.New("the Slack bot needs a store, the admin operations and the approvals service"))
	}
	if opt.APIURL == "" {
		opt.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(opt.APIURL, "/") {
		opt.APIURL += "/"
	}
	return errors.Join(errs...)
}

// Run runs the Slack job worker and, with an app token, the Socket Mode
// connection, until ctx ends.
func (b *Bot) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for i := range jobWorkers {
		g.Go(func() error { return b.work(gctx, fmt.Sprintf("%s-%d", b.consumer, i)) })
	}
	if !b.opt.AppToken.IsZero() {
		g.Go(func() error { return b.socketMode(gctx) })
	}
	err := g.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// actor names a Slack user in audit entries.
func actor(userID string) string { return "slack:" + userID }
