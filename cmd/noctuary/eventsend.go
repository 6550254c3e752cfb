package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// eventSendUsage is `noctuary event send --help`.
const eventSendUsage = `usage: noctuary event send --service KEY --kind KIND [--source NAME] [--attr k=v]... [--summary TEXT] [--link URL] [--id ID] [--at TIME]

Sends one ContextEvent to a running Noctuary, for CI pipelines:
  NOCTUARY_URL           the server's base URL, e.g. https://noctuary.example.com
  NOCTUARY_INGEST_TOKEN  an ingest token (NOCTUARY_INGEST_TOKENS or ingest_tokens on the server)
It exits 0 once the event is stored (or was already, by --id), 1 with a
sentence when the server refuses it or cannot be reached, 2 on a usage error.

`

// attrFlags collects repeated --attr k=v.
type attrFlags map[string]string

func (a attrFlags) String() string { return "" }

// Set records one k=v.
func (a attrFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("--attr %q must be key=value", v)
	}
	a[strings.TrimSpace(k)] = val
	return nil
}

// sendTimeout bounds the whole request.
const sendTimeout = 30 * time.Second

// eventSend is `noctuary event send`: it takes flags and the environment,
// not the server's configuration.
func eventSend(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	ev, err := parseEventFlags(args, time.Now())
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, eventSendUsage)
		return 0
	}
	base, token := envValue(lookup, "NOCTUARY_URL"), envValue(lookup, "NOCTUARY_INGEST_TOKEN")
	switch {
	case err != nil:
	case base == "" || token == "":
		err = errors.New("NOCTUARY_URL and NOCTUARY_INGEST_TOKEN must be set (the server's base URL and an ingest token)")
	case httpBase(base) != nil:
		err = fmt.Errorf("NOCTUARY_URL %w", httpBase(base))
	}
	if err != nil {
		fmt.Fprintf(stderr, "noctuary event send: %v (see noctuary event send --help)\n", err)
		return exitUsage
	}
	msg, warnings, err := sendEvent(ctx, strings.TrimRight(base, "/"), noctuary.Secret(token), ev)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary event send: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, msg)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "noctuary event send: warning: %s\n", w)
	}
	return 0
}

// parseEventFlags reads the event from args, dated now unless --at says
// otherwise, and validates it as the server will.
func parseEventFlags(args []string, now time.Time) (noctuary.ContextEvent, error) {
	ev := noctuary.ContextEvent{Attributes: attrFlags{}}
	var at string
	fs := flag.NewFlagSet("noctuary event send", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&ev.Service, "service", "", "service key")
	fs.StringVar(&ev.Kind, "kind", "", "kind: deploy, rollback, config_change, …")
	fs.StringVar(&ev.Source, "source", "ci", "the tool that reports it")
	fs.StringVar(&ev.Summary, "summary", "", "one line on what happened")
	fs.StringVar(&ev.Link, "link", "", "absolute http(s) URL")
	fs.StringVar(&ev.ID, "id", "", "idempotency key: a repeat is stored once")
	fs.StringVar(&at, "at", "", "RFC 3339 time (default now)")
	fs.Var(attrFlags(ev.Attributes), "attr", "key=value, repeatable")
	if err := fs.Parse(args); err != nil {
		return ev, err
	}
	if fs.NArg() > 0 {
		return ev, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	ev.OccurredAt = now.UTC()
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return ev, fmt.Errorf("--at %q is not an RFC 3339 time such as 2026-11-23T02:10:41Z", at)
		}
		ev.OccurredAt = t
	}
	if len(ev.Attributes) == 0 {
		ev.Attributes = nil
	}
	if err := ev.Validate(now); err != nil {
		return ev, errors.New(noctuary.ErrorMessage(err))
	}
	return ev, nil
}

// sendEvent posts ev to /v1/events and says what the server did with it,
// and what it warned of.
func sendEvent(ctx context.Context, base string, token noctuary.Secret, ev noctuary.ContextEvent) (string, []string, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	status, answer, err := post(ctx, &http.Client{}, base+"/v1/events", token, "application/json", body, nil)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said already
		}
		return "", nil, fmt.Errorf("could not reach Noctuary at %s: %w", base, err)
	}
	var out struct {
		Accepted, Duplicates int
		Warnings             []string
		Error                string
		Details              []struct{ Error string }
	}
	_ = json.Unmarshal(answer, &out)
	switch {
	case status == http.StatusAccepted && out.Duplicates > 0:
		return fmt.Sprintf("%s event for %s was already stored (id %s)", ev.Kind, ev.Service, ev.ID), out.Warnings, nil
	case status == http.StatusAccepted:
		return fmt.Sprintf("%s event for %s stored", ev.Kind, ev.Service), out.Warnings, nil
	case out.Error == "":
		return "", nil, fmt.Errorf("Noctuary at %s answered %d, not a Noctuary answer: %s", base, status, strings.TrimSpace(string(answer)))
	case len(out.Details) > 0:
		return "", nil, fmt.Errorf("Noctuary refused the event (%d): %s", status, out.Details[0].Error)
	}
	return "", nil, fmt.Errorf("Noctuary refused the event (%d): %s", status, out.Error)
}

// envValue is a variable's value, trimmed; "" when unset.
func envValue(lookup func(string) (string, bool), name string) string {
	v, _ := lookup(name)
	return strings.TrimSpace(v)
}

// httpBase checks a base URL.
func httpBase(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http:// or https:// URL such as https://noctuary.example.com")
	}
	return nil
}
