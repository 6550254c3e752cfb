package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

// Job queue settings.
const (
	// jobBlock is how long the worker waits for a new job per round; it
	// also bounds how long the worker takes to stop.
	jobBlock = time.Second
	// jobMinIdle is how long a job stays with a worker before another may
	// reclaim it (a crash, or a failure left for retry).
	jobMinIdle = 30 * time.Second
	// maxDeliveries is how often a job is tried before it is dead-lettered.
	maxDeliveries = 5
	// storeBackoff is the pause after the store failed.
	storeBackoff = time.Second
	// msgLockTTL bounds one worker's hold of an incident's message.
	msgLockTTL = 30 * time.Second
	// jobWorkers is how many jobs one process works on at once, so that an
	// action that takes its 10 s does not hold up other incidents' messages
	// (jobs of one incident are serialised by its message lock). Each is a
	// consumer of its own in the group.
	jobWorkers = 4
	// jobTimeout bounds one job: its Slack calls, and its waits for
	// Retry-After and for the message lock. The job's lease is renewed
	// until it ends, so no other worker takes it meanwhile. (A click's action
	// and its timeline notes, once started, finish within the approvals'
	// own bounds even past it.)
	jobTimeout = 2 * time.Minute
)

// Job kinds.
const (
	jobTriage   = "triage"   // post or update the incident's message
	jobIncident = "incident" // status change: update the message
	jobClick    = "click"    // a button was clicked
	jobOutcome  = "outcome"  // show what became of an approval
)

// job is one queued unit of Slack work.
type job struct {
	Kind     string                  `json:"kind"`
	Triage   *noctuary.Triage        `json:"triage,omitempty"`
	Incident *noctuary.IncidentState `json:"incident,omitempty"`
	Click    *click                  `json:"click,omitempty"`
	Outcome  *outcome                `json:"outcome,omitempty"`
	Mention  *mentionJob             `json:"mention,omitempty"`
	// Postmortem names a draft to post in the thread.
	Postmortem *postmortemJob `json:"postmortem,omitempty"`
	DM         *dmJob         `json:"dm,omitempty"`
}

// click is a button click, as needed to act on it and answer.
type click struct {
	ActionID    string `json:"action_id"`
	Value       string `json:"value"`
	IncidentID  string `json:"incident_id"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	ResponseURL string `json:"response_url"`
}

// errBusy says another worker holds the incident's message: retry later.
var errBusy = errors.New("another worker is updating this incident's message")

func (b *Bot) enqueue(ctx context.Context, j job) error {
	data, err := json.Marshal(j)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInternal, "cannot encode a Slack job")
	}
	return b.opt.Store.EnqueueSlackJob(ctx, data)
}

// work takes jobs as consumer until ctx ends.
func (b *Bot) work(ctx context.Context, consumer string) error {
	for ctx.Err() == nil {
		if _, err := b.step(ctx, consumer, b.block); err != nil && ctx.Err() == nil {
			b.log.Error("Slack job queue", "error", err)
			_ = b.wait(ctx, storeBackoff)
		}
	}
	return nil
}

// step handles at most one job as consumer: it reports whether there was
// one. A job that succeeds is acknowledged; one that fails for good, or too
// often, is dead-lettered, once, by the worker holding it; any other
// failure leaves it pending, to be reclaimed. A panic counts as a failure.
// Redis counts a delivery before it is handled, so a job whose handling
// took the process down is dead-lettered, without being handled again, once
// it is delivered beyond maxDeliveries.
func (b *Bot) step(ctx context.Context, consumer string, block time.Duration) (bool, error) {
	id, data, deliveries, err := b.opt.Store.NextSlackJob(ctx, consumer, block, b.minIdle)
	if err != nil || id == "" {
		return false, err
	}
	if deliveries > maxDeliveries {
		err = noctuary.Errorf(noctuary.EInternal, "the earlier deliveries never finished (the process died handling it)")
	} else {
		err = b.run(ctx, consumer, id, data)
	}
	switch {
	case err == nil:
		b.opt.Metrics.Jobs.WithLabelValues(jobDone).Inc()
		return true, b.opt.Store.AckSlackJob(ctx, id)
	case permanent(err) || deliveries >= maxDeliveries:
		reason := fmt.Sprintf("after %d deliveries: %v", deliveries, err)
		dead, derr := b.opt.Store.DeadLetterSlackJob(ctx, consumer, id, data, reason)
		if dead {
			b.opt.Metrics.Jobs.WithLabelValues(jobDeadLettered).Inc()
			b.log.Error("Slack job dead-lettered", "stream_id", id, "deliveries", deliveries, "error", err)
		} else if derr == nil {
			b.log.Warn("Slack job failed, and another worker has taken it meanwhile", "stream_id", id, "error", err)
		}
		return true, derr
	default:
		b.opt.Metrics.Jobs.WithLabelValues(jobRetried).Inc()
		b.log.Warn("Slack job failed; it will be retried", "stream_id", id, "deliveries", deliveries, "error", err)
		return true, nil
	}
}

// run handles job id within jobTimeout, keeping its lease meanwhile.
func (b *Bot) run(ctx context.Context, consumer, id string, data []byte) error {
	stop := b.keepLease(ctx, consumer, id)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	return b.handleSafely(ctx, id, data)
}

// keepLease renews the lease of job id every third of it until stop is
// called, so that no other worker takes a job whose worker is alive (an
// action may run for its whole timeout).
func (b *Bot) keepLease(ctx context.Context, consumer, id string) (stop func()) {
	return noctuary.KeepLease(ctx, b.minIdle/3, func(ctx context.Context) (bool, error) {
		return b.opt.Store.RenewSlackJob(ctx, consumer, id)
	}, func(held bool, err error) {
		b.log.Warn("cannot renew a Slack job's lease; another worker may take it", "stream_id", id, "held", held, "error", err)
	})
}

// handleSafely is handle, with a panic turned into an error (its stack
// logged) so that one poisoned job cannot take the process down.
func (b *Bot) handleSafely(ctx context.Context, id string, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			b.opt.Metrics.Panics.Inc()
			b.log.Error("Slack job panicked", "panic", r, "stack", string(debug.Stack()))
			err = noctuary.Errorf(noctuary.EInternal, "the Slack job panicked: %v", r)
		}
	}()
	return b.handle(ctx, id, data)
}

// handle does job id (data); the ID names a click's runner.
func (b *Bot) handle(ctx context.Context, id string, data []byte) error {
	var j job
	if err := json.Unmarshal(data, &j); err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "undecodable Slack job")
	}
	switch {
	case j.Kind == jobTriage && j.Triage != nil:
		return b.postTriage(ctx, *j.Triage)
	case j.Kind == jobIncident && j.Incident != nil:
		return b.updateStatus(ctx, *j.Incident)
	case j.Kind == jobClick && j.Click != nil:
		return b.act(ctx, *j.Click, id)
	case j.Kind == jobOutcome && j.Outcome != nil:
		return b.showOutcome(ctx, *j.Outcome)
	case j.Kind == jobMention && j.Mention != nil:
		return b.answerMention(ctx, *j.Mention)
	case j.Kind == jobPostmortem && j.Postmortem != nil:
		return b.postPostmortem(ctx, *j.Postmortem)
	case j.Kind == jobDM && j.DM != nil:
		return b.sendDM(ctx, *j.DM)
	default:
		return noctuary.Errorf(noctuary.EInvalid, "unknown Slack job kind %q", j.Kind)
	}
}

// transientSlackErrors are Web API errors worth retrying.
var transientSlackErrors = []string{"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}

// permanent reports whether retrying err cannot help: an invalid job or a
// Web API refusal such as channel_not_found or not_in_channel.
func permanent(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return !slices.Contains(transientSlackErrors, se.Err)
	}
	return noctuary.ErrorCode(err) == noctuary.EInvalid
}
