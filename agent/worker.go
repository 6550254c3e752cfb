package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/noctuary/noctuary"
)

// Queue is the webhook stream as the worker consumes it (consumer group
// "triage" of noctuary:webhooks).
type Queue interface {
	ReadWebhooks(ctx context.Context, consumer string, count int, block time.Duration) ([]noctuary.WebhookDelivery, error)
	ClaimStaleWebhooks(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]noctuary.WebhookDelivery, error)
	AckWebhook(ctx context.Context, streamID string) error
	// DeferWebhook leaves the entry pending until after has passed (for
	// every replica), without counting this delivery towards the limit;
	// transient counts it as a retry.
	DeferWebhook(ctx context.Context, streamID string, after time.Duration, transient bool) error
	DeadLetterWebhook(ctx context.Context, d noctuary.WebhookDelivery, reason string) error
	// RenewWebhook restarts the idle time of an entry consumer holds,
	// keeping its delivery count; false when consumer no longer holds it.
	RenewWebhook(ctx context.Context, consumer, streamID string) (bool, error)
}

// State is the rest of what the worker reads and writes in the store.
type State interface {
	ServiceByPagerDutyID(ctx context.Context, pdServiceID string) (noctuary.Service, error)
	// IntegrationForEnvironment returns the integration of an environment
	// (ENotFound when it has none).
	IntegrationForEnvironment(ctx context.Context, env string) (noctuary.Integration, error)
	UpdateIncident(ctx context.Context, ev noctuary.WebhookEvent, serviceKey string) (noctuary.IncidentState, error)
	IncidentState(ctx context.Context, incidentID string) (noctuary.IncidentState, error)
	EventsInWindow(ctx context.Context, services []string, from, to time.Time) ([]noctuary.ContextEvent, error)
	SaveTriage(ctx context.Context, t noctuary.Triage) error
	Triage(ctx context.Context, triageID string) (noctuary.Triage, error)
	// StartPosting marks a triage's note as being posted, just before
	// posting it; check says that an earlier attempt may have posted it
	// (its mark was left, or Redis lost its data since onset).
	StartPosting(ctx context.Context, triageID string, onset time.Time) (check bool, err error)
	// EndPosting clears the mark: the note is delivered, or surely was not
	// posted.
	EndPosting(ctx context.Context, triageID string) error
	// LockTriage takes a triage's lock as a lease of ttl, renewed while
	// held; held ends when the lease is lost or released.
	LockTriage(ctx context.Context, triageID string, ttl time.Duration) (held context.Context, release func(), ok bool, err error)
	Audit(ctx context.Context, e noctuary.AuditEntry) (string, error)
	// RecordRollout keeps a fact the rollout review counts.
	RecordRollout(ctx context.Context, r noctuary.RolloutRecord) error
}

// Notifier writes to one integration's PagerDuty account.
type Notifier interface {
	// PostNote posts the note on its incident and returns the note's ID.
	// With p.Check it first looks for a note carrying p.TriageID, and
	// returns that one's ID instead of posting.
	PostNote(ctx context.Context, p noctuary.NotePost) (noteID string, err error)
	// Acknowledge acknowledges the incident.
	Acknowledge(ctx context.Context, incidentID string) error
}

// Notifiers gives the Notifier of an integration, or nil when notes must not
// be written to PagerDuty (dry run without a token, or an inbound-only
// integration): the note is then logged and kept in Redis only. The worker
// asks for the integration of the incident's service's environment, never
// for the one whose webhook delivered the incident.
type Notifiers interface {
	Notifier(ctx context.Context, integrationID string) (Notifier, error)
}

// Mirror mirrors triages and incident changes into Slack. Implementations
// queue the work durably and return at once.
type Mirror interface {
	MirrorTriage(ctx context.Context, t noctuary.Triage) error
	MirrorIncident(ctx context.Context, st noctuary.IncidentState) error
}

// Pauser reports whether writes to PagerDuty are paused for a service.
type Pauser interface {
	Paused(ctx context.Context, service string) (bool, error)
}

// WorkerOptions configures a Worker. Queue, State, Notifiers and Render are
// required; the rest have defaults.
type WorkerOptions struct {
	Queue     Queue
	State     State
	Notifiers Notifiers
	Mirror    Mirror // nil: no Slack mirror
	Pauser    Pauser // nil: never paused
	// Postmortems drafts resolved incidents' postmortems; nil: none.
	Postmortems Postmortems
	// LLM is the primary engine; nil means the heuristic alone.
	LLM        Engine
	LLMTimeout time.Duration
	// Render turns a triage into the note's text (pd.RenderNote).
	Render func(noctuary.Triage) string
	// Consumer names this replica in the consumer group; unique per process.
	Consumer    string
	Concurrency int // triages computing at once (correlation, heuristic), default 4
	// Backlog bounds the entries a replica holds at once, computing or
	// waiting (for the LLM, or for the PagerDuty budget, most urgent
	// first); the rest wait in the stream. Default 1024.
	Backlog int
	// LLMConcurrency bounds the LLM calls in flight, default 8. A triage
	// that finds none free within LLMTimeout posts the heuristic's note.
	LLMConcurrency int
	Window         time.Duration // correlation window before onset, default 30m
	After          time.Duration // how far after onset events count, default 5m
	// Memo remembers what correlation reads of each event across triages
	// (a storm triages the same windows again); nil: none.
	Memo          *EventMemo
	ClaimIdle     time.Duration // reclaim entries pending this long, default 90s
	MaxDeliveries int64         // dead-letter a permanent failure on this delivery, default 5
	RetryBase     time.Duration // first wait after a transient failure, doubling on each, default 5s
	RetryMax      time.Duration // longest wait after a transient failure (unless PagerDuty asks longer), default 5m
	Block         time.Duration // how long one read waits (and shutdown, at most), default 1s
	Grace         time.Duration // how long in-flight triages may finish at shutdown, default 20s
	Metrics       *Metrics
	Logger        *slog.Logger
	Now           func() time.Time
}

// Worker consumes verified webhooks and triages incidents of enabled services.
type Worker struct {
	opt WorkerOptions
	// compute and llm are semaphores of Concurrency and LLMConcurrency;
	// urgent is Concurrency more compute slots for high-urgency incidents,
	// so that a storm of low-urgency ones never holds them up.
	compute, urgent, llm chan struct{}
}

// errBusy means another replica holds the incident's triage lock: the entry
// stays pending and is retried later.
var errBusy = errors.New("another worker is triaging this incident")

// NewWorker returns a worker with defaults filled in.
func NewWorker(opt WorkerOptions) *Worker {
	setDefault(&opt.Concurrency, 4)
	setDefault(&opt.Backlog, 1024)
	setDefault(&opt.LLMConcurrency, 8)
	setDefault(&opt.Window, 30*time.Minute)
	setDefault(&opt.After, 5*time.Minute)
	setDefault(&opt.ClaimIdle, 90*time.Second)
	setDefault(&opt.MaxDeliveries, 5)
	setDefault(&opt.RetryBase, 5*time.Second)
	setDefault(&opt.RetryMax, 5*time.Minute)
	setDefault(&opt.Block, time.Second)
	setDefault(&opt.Grace, 20*time.Second)
	setDefault(&opt.LLMTimeout, 10*time.Second)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	if opt.Consumer == "" {
		opt.Consumer = "worker"
	}
	return &Worker{opt: opt, compute: make(chan struct{}, opt.Concurrency), urgent: make(chan struct{}, opt.Concurrency),
		llm: make(chan struct{}, opt.LLMConcurrency)}
}

// acquire takes a slot of sem, or of also when it is not nil (whichever is
// free first), waiting until ctx ends; release gives it back.
func acquire(ctx context.Context, sem, also chan struct{}) (release func(), err error) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case also <- struct{}{}: // never ready when also is nil
		return func() { <-also }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Run consumes the queue until ctx ends, then stops claiming, lets in-flight
// triages finish for at most Grace, and leaves the rest pending for another
// replica.
func (w *Worker) Run(ctx context.Context) error {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stop := context.AfterFunc(ctx, func() {
		time.AfterFunc(w.opt.Grace, cancelWork)
	})
	defer stop()

	slots := make(chan struct{}, max(w.opt.Backlog, w.opt.Concurrency))
	var wg sync.WaitGroup
	defer wg.Wait()
	nextClaim := time.Time{}
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		free := cap(slots) - len(slots) + 1
		var batch []noctuary.WebhookDelivery
		var err error
		if now := time.Now(); !now.Before(nextClaim) {
			batch, err = w.opt.Queue.ClaimStaleWebhooks(ctx, w.opt.Consumer, w.opt.ClaimIdle, free)
			if len(batch) < free {
				// None left for now; a full batch may have more behind it.
				nextClaim = now.Add(min(w.opt.ClaimIdle/3, time.Second))
			}
		}
		if err == nil && len(batch) == 0 {
			batch, err = w.opt.Queue.ReadWebhooks(ctx, w.opt.Consumer, free, w.opt.Block)
		}
		if err != nil {
			<-slots
			if ctx.Err() != nil {
				return nil
			}
			w.opt.Logger.Warn("reading the webhook queue failed; retrying", "error", err)
			sleep(ctx, time.Second)
			continue
		}
		if len(batch) == 0 {
			<-slots
			continue
		}
		for i, d := range batch {
			if i > 0 {
				slots <- struct{}{}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				w.process(work, d)
			}()
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// process handles one delivery and acknowledges it when handled. A failure
// leaves it pending, so that it is reclaimed and retried after ClaimIdle.
// Transient failures (PagerDuty or Redis unavailable, another replica busy
// with the incident) are retried until they pass: the note is posted once
// PagerDuty accepts (docs/architecture.md, "Timing and retries"). Any other failure, a panic included, moves
// the entry to noctuary:webhooks:dead on its MaxDeliveries-th delivery, with
// that error. Redis counts a delivery before it is handled, so a delivery
// that took the process down counts too: the next one beyond MaxDeliveries
// is dead-lettered without being handled again.
func (w *Worker) process(ctx context.Context, d noctuary.WebhookDelivery) {
	log := w.opt.Logger.With("event_id", d.Event.ID, "incident", d.Event.Incident.ID, "type", d.Event.Type)
	if d.Deliveries > w.opt.MaxDeliveries {
		w.deadLetter(ctx, log, d, fmt.Sprintf("delivery %d: the earlier ones never finished (the process died handling it)", d.Deliveries))
		return
	}
	if d.Deliveries == 1 && d.Retries == 0 && !d.Event.ReceivedAt.IsZero() {
		w.opt.Metrics.Phases.WithLabelValues(phaseQueue).Observe(w.opt.Now().Sub(d.Event.ReceivedAt).Seconds())
	}
	stop := w.keepEntry(ctx, log, d)
	err := w.handleSafely(ctx, log, d)
	stop()
	switch {
	case err == nil:
		if err := w.opt.Queue.AckWebhook(ctx, d.StreamID); err != nil {
			log.Warn("acknowledging a webhook failed; it will be reclaimed and found done", "error", err)
		}
	case errors.Is(err, errBusy):
		log.Info("incident is being triaged by another worker; the event waits", "retry_in", busyWait)
		w.deferDelivery(ctx, log, d, busyWait, false)
	case noctuary.ErrorCode(err) == noctuary.EUnavailable:
		w.opt.Metrics.Failures.Inc()
		wait := w.retryWait(err, d.Retries)
		log.Warn("triage failed transiently; the event waits and is retried", "error", err, "retry_in", wait, "retries", d.Retries)
		w.deferDelivery(ctx, log, d, wait, true)
	case !w.last(d):
		w.opt.Metrics.Failures.Inc()
		log.Warn("triage failed; the event stays pending and will be retried", "error", err, "deliveries", d.Deliveries)
	default:
		w.opt.Metrics.Failures.Inc()
		w.deadLetter(ctx, log, d, fmt.Sprintf("failed on delivery %d: %v", d.Deliveries, err))
	}
}

// handleSafely is handle, with a panic turned into an error (its stack
// logged) so that one poisoned entry cannot take the replica down.
func (w *Worker) handleSafely(ctx context.Context, log *slog.Logger, d noctuary.WebhookDelivery) (err error) {
	defer func() {
		if r := recover(); r != nil {
			w.opt.Metrics.Panics.Inc()
			log.Error("triage panicked", "panic", r, "stack", string(debug.Stack()))
			err = noctuary.Errorf(noctuary.EInternal, "triage panicked: %v", r)
		}
	}()
	return w.handle(ctx, d)
}

// last reports whether d is its event's last delivery: a failure of it that
// is not transient dead-letters it.
func (w *Worker) last(d noctuary.WebhookDelivery) bool { return d.Deliveries >= w.opt.MaxDeliveries }

// waiter is a failure that says how long to wait before trying again
// (pd.RetryableError: PagerDuty's Retry-After).
type waiter interface {
	error
	Wait() time.Duration
}

// retryWait is how long an entry waits after its retries-th transient
// failure: exponential backoff with jitter, or longer if the failure asks.
func (w *Worker) retryWait(err error, retries int64) time.Duration {
	wait := noctuary.Backoff(int(min(retries, 16))+1, w.opt.RetryBase, w.opt.RetryMax, randDuration)
	if wt, ok := errors.AsType[waiter](err); ok {
		wait = max(wait, wt.Wait())
	}
	return wait
}

func randDuration(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// deferDelivery leaves d pending for after, not counted as a delivery; if
// that cannot be recorded, d is reclaimed after ClaimIdle as any other.
func (w *Worker) deferDelivery(ctx context.Context, log *slog.Logger, d noctuary.WebhookDelivery, after time.Duration, transient bool) {
	if err := w.opt.Queue.DeferWebhook(ctx, d.StreamID, after, transient); err != nil {
		log.Warn("recording when to retry a webhook failed; it is retried after the claim idle time", "error", err)
	}
}

// deadLetter moves d to noctuary:webhooks:dead with reason.
func (w *Worker) deadLetter(ctx context.Context, log *slog.Logger, d noctuary.WebhookDelivery, reason string) {
	if err := w.opt.Queue.DeadLetterWebhook(ctx, d, reason); err != nil {
		log.Error("moving a webhook to the dead-letter stream failed; it stays pending", "error", err)
		return
	}
	w.opt.Metrics.DeadLettered.Inc()
	log.Error("webhook moved to noctuary:webhooks:dead; `noctuary replay-dead` puts it back", "reason", reason)
}
