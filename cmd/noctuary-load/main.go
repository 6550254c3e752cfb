// Command noctuary-load is Noctuary's load generator (`make load`,
// docs/performance.md). It sends ContextEvents, one a request and in
// batches, and PagerDuty V3 incident webhooks signed as PagerDuty signs them,
// each stream at a constant arrival rate for a bounded time (open loop: a
// request leaves at its time whatever the earlier ones are doing, and its
// latency counts from that time, so a slow server cannot hide its queue).
// Incidents are answered by a fake PagerDuty on loopback (pd/pdtest) that
// Noctuary posts its notes to: the time from a webhook to its note is the
// triage's latency. It reports throughput and latency percentiles, and
// Redis' memory and CPU per event when given Redis' address.
//
// It sends to loopback only: any other target is refused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

const usageHead = `usage: noctuary-load [flags]

Sends load to a Noctuary on this machine and reports throughput and latency.
Secrets come from the environment, as the server reads them:
  NOCTUARY_INGEST_TOKEN              an ingest token (for -events and -batches)
  NOCTUARY_PAGERDUTY_WEBHOOK_SECRET  the webhook secret of -integration (for -incidents)
  NOCTUARY_PAGERDUTY_TOKEN           the API key the fake PagerDuty accepts (for -incidents);
                                     start Noctuary with NOCTUARY_PAGERDUTY_API_URL=http://<-pd>
Example (scripts/load.sh starts redis-server and Noctuary for you):
  noctuary-load -target http://127.0.0.1:8080 -events 2000 -batches 20 -incidents 50 -duration 10s -pd 127.0.0.1:18081

flags:
`

// Bounds on the flags: a load run is short and on this machine.
const (
	maxDuration  = 10 * time.Minute
	maxRate      = 100_000
	maxBatchSize = 10_000 // the server's limit per request
	maxInflight  = 100_000
)

// options is one run's configuration.
type options struct {
	targets      []*url.URL // Noctuary replicas; requests go round-robin
	duration     time.Duration
	wait         time.Duration // for the last notes after the last webhook
	eventRate    float64       // single-event requests a second
	batchRate    float64       // batch requests a second
	batchSize    int
	incidentRate float64 // incident webhooks a second
	services     []string
	pdServices   []string
	integration  string
	pdAddr       string   // where the fake PagerDuty listens
	redisAddrs   []string // Redis nodes to read INFO from, optional
	pids         []int    // processes (Noctuary's) charged with their CPU, optional
	ids          bool     // give every event an id (the dedupe path)
	maxInflight  int
	timeout      time.Duration

	ingestToken, webhookSecret, pdToken string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr))
}

// run parses args and the environment, runs the load and prints the
// report; it returns the exit code: 0, 1 when the run failed, 2 on a usage
// error.
func run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	opt, err := parseOptions(args, lookup, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "noctuary-load: %v\n", err)
		return 2
	}
	res, err := runLoad(ctx, opt, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary-load: %v\n", err)
		return 1
	}
	res.print(stdout)
	return 0
}

// parseOptions reads the flags and the environment and checks them; help
// is written to usage.
func parseOptions(args []string, lookup func(string) (string, bool), usage io.Writer) (options, error) {
	var o options
	var targets, services, pdServices, redisAddrs, pids string
	fs := flag.NewFlagSet("noctuary-load", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() { fmt.Fprint(usage, usageHead); fs.PrintDefaults() }
	fs.StringVar(&targets, "target", "http://127.0.0.1:8080", "Noctuary's base URL; comma-separated for several replicas (loopback only)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each stream sends (at most 10m)")
	fs.DurationVar(&o.wait, "wait", 60*time.Second, "how long to wait for the last notes after the last webhook (at most 10m)")
	fs.Float64Var(&o.eventRate, "events", 0, "single-event requests a second")
	fs.Float64Var(&o.batchRate, "batches", 0, "batch requests a second (-batch-size events each)")
	fs.IntVar(&o.batchSize, "batch-size", 500, "events in a batch request (at most 10,000)")
	fs.Float64Var(&o.incidentRate, "incidents", 0, "incident webhooks a second; notes are timed at the fake PagerDuty")
	fs.StringVar(&services, "services", "checkout,postgres-main", "service keys the events go to, round-robin")
	fs.StringVar(&pdServices, "pd-services", "PCHECKOUT", "PagerDuty service IDs the incidents are of, round-robin (enabled services of Noctuary's configuration)")
	fs.StringVar(&o.integration, "integration", "default", "the integration whose webhook URL receives the incidents")
	fs.StringVar(&o.pdAddr, "pd", "127.0.0.1:18081", "address of the fake PagerDuty (with -incidents); Noctuary's NOCTUARY_PAGERDUTY_API_URL must point at it")
	fs.StringVar(&redisAddrs, "redis", "", "Redis host:port to read INFO memory and cpu from before and after (comma-separated: every node of a cluster)")
	fs.StringVar(&pids, "pids", "", "process IDs (Noctuary's, comma-separated) whose CPU over the run is reported, from /proc/PID/stat")
	fs.BoolVar(&o.ids, "ids", false, "give every event an id (stored once by id: the dedupe path)")
	fs.IntVar(&o.maxInflight, "max-inflight", 4096, "requests in flight at most; a request due beyond it is not sent and counted as such")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of one request")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", fs.Arg(0))
	}
	o.services, o.pdServices, o.redisAddrs = splitList(services), splitList(pdServices), splitList(redisAddrs)
	for _, p := range splitList(pids) {
		pid, err := strconv.Atoi(p)
		if err != nil || pid <= 0 {
			return o, fmt.Errorf("-pids %q must list process IDs, e.g. 4242,4243", pids)
		}
		o.pids = append(o.pids, pid)
	}
	for _, t := range splitList(targets) {
		u, err := loopbackURL(t)
		if err != nil {
			return o, err
		}
		o.targets = append(o.targets, u)
	}
	env := func(name string) string { v, _ := lookup(name); return strings.TrimSpace(v) }
	o.ingestToken, o.webhookSecret, o.pdToken = env("NOCTUARY_INGEST_TOKEN"), env("NOCTUARY_PAGERDUTY_WEBHOOK_SECRET"), env("NOCTUARY_PAGERDUTY_TOKEN")
	return o, o.check()
}

// check returns the first problem of o as a sentence.
func (o *options) check() error {
	switch {
	case len(o.targets) == 0:
		return errors.New("-target is empty: give Noctuary's base URL, e.g. http://127.0.0.1:8080")
	case o.duration <= 0 || o.duration > maxDuration:
		return fmt.Errorf("-duration %s must be more than 0 and at most %s: a load run is bounded", o.duration, maxDuration)
	case o.wait < 0 || o.wait > maxDuration:
		return fmt.Errorf("-wait %s must be between 0 and %s", o.wait, maxDuration)
	case o.eventRate < 0 || o.batchRate < 0 || o.incidentRate < 0 ||
		o.eventRate > maxRate || o.batchRate > maxRate || o.incidentRate > maxRate:
		return fmt.Errorf("-events, -batches and -incidents must be between 0 and %d a second", maxRate)
	case o.eventRate == 0 && o.batchRate == 0 && o.incidentRate == 0:
		return errors.New("nothing to send: set -events, -batches or -incidents to a rate a second")
	case o.batchSize < 1 || o.batchSize > maxBatchSize:
		return fmt.Errorf("-batch-size %d must be between 1 and %d (the server's limit)", o.batchSize, maxBatchSize)
	case o.maxInflight < 1 || o.maxInflight > maxInflight:
		return fmt.Errorf("-max-inflight %d must be between 1 and %d", o.maxInflight, maxInflight)
	case o.timeout <= 0:
		return fmt.Errorf("-timeout %s must be more than 0", o.timeout)
	}
	if o.eventRate > 0 || o.batchRate > 0 {
		switch {
		case o.ingestToken == "":
			return errors.New("NOCTUARY_INGEST_TOKEN is not set: events need one of the server's ingest tokens")
		case len(o.services) == 0:
			return errors.New("-services is empty: name the services the events go to")
		}
	}
	for _, a := range o.redisAddrs {
		if err := loopbackAddr("-redis", a); err != nil {
			return err
		}
	}
	if o.incidentRate == 0 {
		return nil
	}
	switch {
	case o.webhookSecret == "":
		return errors.New("NOCTUARY_PAGERDUTY_WEBHOOK_SECRET is not set: incidents are signed with the integration's webhook secret")
	case o.pdToken == "":
		return errors.New("NOCTUARY_PAGERDUTY_TOKEN is not set: the fake PagerDuty accepts the token Noctuary sends")
	case len(o.pdServices) == 0:
		return errors.New("-pd-services is empty: name the PagerDuty service IDs of enabled services")
	case o.integration == "" || strings.ContainsAny(o.integration, "/?#"):
		return fmt.Errorf("-integration %q must be an integration ID", o.integration)
	}
	return loopbackAddr("-pd", o.pdAddr)
}

// loopbackURL parses an http(s) base URL on loopback.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-target %q must be an http:// or https:// base URL, e.g. http://127.0.0.1:8080", raw)
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("-target %s is not on loopback (127.0.0.0/8, ::1 or localhost): the load generator only sends to this machine", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// loopbackAddr checks a host:port on loopback, for flag name.
func loopbackAddr(name, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%s %q must be host:port, e.g. 127.0.0.1:18081", name, addr)
	}
	if !isLoopback(host) {
		return fmt.Errorf("%s %s is not on loopback (127.0.0.0/8, ::1 or localhost): the load generator stays on this machine", name, addr)
	}
	return nil
}

// isLoopback accepts localhost and loopback IP literals; other names are
// not resolved, so that no lookup can point the load elsewhere.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// splitList splits a comma-separated flag, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
