package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// batcher collects items and posts them to Noctuary as EventLists of at
// most size items, at least every interval while items wait.
type batcher struct {
	items    chan item
	size     int
	interval time.Duration
	post     *poster
	log      *slog.Logger
}

// newBatcher buffers up to capacity items; beyond that, while Noctuary
// cannot take them, new items are dropped and logged.
func newBatcher(p *poster, size, capacity int, interval time.Duration, log *slog.Logger) *batcher {
	return &batcher{items: make(chan item, capacity), size: size, interval: interval, post: p, log: log}
}

// add queues it without blocking the informer.
func (b *batcher) add(it item) {
	select {
	case b.items <- it:
	default:
		b.log.Warn("buffer full: Event dropped", "reason", it.Reason, "object", it.InvolvedObject.Kind+"/"+it.InvolvedObject.Name)
	}
}

// run posts batches until ctx ends, then posts what is left (within a few
// seconds).
func (b *batcher) run(ctx context.Context) {
	tick := time.NewTicker(b.interval)
	defer tick.Stop()
	var batch []item
	flush := func(ctx context.Context) {
		if len(batch) > 0 {
			b.post.send(ctx, batch)
			batch = nil
		}
	}
	for {
		select {
		case <-ctx.Done():
			b.drain(&batch)
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			flush(ctx)
			cancel()
			return
		case it := <-b.items:
			if batch = append(batch, it); len(batch) >= b.size {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
		}
	}
}

// drain moves the buffered items into batch.
func (b *batcher) drain(batch *[]item) {
	for {
		select {
		case it := <-b.items:
			*batch = append(*batch, it)
		default:
			return
		}
	}
}

// poster posts EventLists to /v1/events/kubernetes with the ingest token,
// retrying with exponential back-off while Noctuary is unreachable or
// answers 429 or 5xx, for at most maxElapsed per batch.
type poster struct {
	url        string
	token      string
	client     *http.Client
	maxElapsed time.Duration
	initial    time.Duration
	log        *slog.Logger
}

// eventList is the posted body.
type eventList struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Items      []item `json:"items"`
}

// send posts batch; a batch that cannot be delivered is logged and dropped.
func (p *poster) send(ctx context.Context, batch []item) {
	body, err := json.Marshal(eventList{Kind: "EventList", APIVersion: "v1", Items: batch})
	if err != nil {
		p.log.Error("cannot encode Events", "error", err)
		return
	}
	retry := backoff.NewExponentialBackOff()
	retry.InitialInterval = p.initial
	answer, err := backoff.Retry(ctx, func() (string, error) { return p.postOnce(ctx, body) },
		backoff.WithBackOff(retry), backoff.WithMaxElapsedTime(p.maxElapsed),
		backoff.WithNotify(func(err error, wait time.Duration) {
			p.log.Warn("Noctuary did not take the Events; retrying", "error", err, "retry_in", wait)
		}))
	if err != nil {
		p.log.Error("Events dropped", "events", len(batch), "error", err)
		return
	}
	p.log.Debug("Events posted", "events", len(batch), "answer", answer)
}

// postOnce makes one request; a refusal that a retry cannot change (401,
// 400, 413) is permanent.
func (p *poster) postOnce(ctx context.Context, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return "", backoff.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode/100 == 2:
		return string(answer), nil
	case resp.StatusCode == http.StatusTooManyRequests:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			return "", backoff.RetryAfter(s)
		}
		return "", fmt.Errorf("HTTP 429: %s", answer)
	case resp.StatusCode >= 500:
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, answer)
	default:
		return "", backoff.Permanent(errors.New("HTTP " + strconv.Itoa(resp.StatusCode) + ": " + string(answer)))
	}
}
