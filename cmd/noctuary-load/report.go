package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary/store/storetest"
)

// result is what a run measured.
type result struct {
	opt                   options
	when, start           time.Time
	loadBefore, loadAfter string
	streams               []*stream
	notes                 []time.Duration // webhook → note, of incidents answered 202
	missing               int             // of those, without a note after -wait
	pdRequests            int
	redis                 redisUsage // growth over the run, summed over nodes
}

// redisUsage is what INFO memory and cpu say, summed over nodes.
type redisUsage struct {
	nodes  int
	memory float64 // used_memory, bytes
	cpu    float64 // used_cpu_user + used_cpu_sys, seconds
}

func (a redisUsage) minus(b redisUsage) redisUsage {
	return redisUsage{nodes: a.nodes, memory: a.memory - b.memory, cpu: a.cpu - b.cpu}
}

// readRedis reads INFO memory and cpu of every node.
func readRedis(ctx context.Context, addrs []string) (redisUsage, error) {
	u := redisUsage{nodes: len(addrs)}
	for _, addr := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		f, err := storetest.Info(ctx, rdb, "memory", "cpu")
		_ = rdb.Close()
		if err != nil {
			return u, fmt.Errorf("cannot read INFO from Redis at %s (-redis): %w", addr, err)
		}
		u.memory += f["used_memory"]
		u.cpu += f["used_cpu_user"] + f["used_cpu_sys"]
	}
	return u, nil
}

// loadAverage returns the 1, 5 and 15-minute load averages ("" where
// /proc/loadavg does not exist).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return ""
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 1) of
// sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(0, int(math.Ceil(p*float64(len(sorted))))-1)]
}

// ms prints d in milliseconds.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

// quantiles prints p50, p90, p99 and max of sorted values.
func quantiles(sorted []time.Duration) string {
	if len(sorted) == 0 {
		return "no answers"
	}
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s", ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.9)),
		ms(percentile(sorted, 0.99)), ms(sorted[len(sorted)-1]))
}

// print writes the report.
func (r *result) print(w io.Writer) {
	targets := make([]string, len(r.opt.targets))
	for i, t := range r.opt.targets {
		targets[i] = t.String()
	}
	fmt.Fprintf(w, "\n== noctuary-load %s: %s a stream, open loop, to %s\n", r.when.Format(time.RFC3339), r.opt.duration, strings.Join(targets, ", "))
	fmt.Fprintf(w, "machine: %d CPUs; load average %s at the start, %s at the end\n", runtime.NumCPU(), r.loadBefore, r.loadAfter)
	var events int
	for _, s := range r.streams {
		s.rec.mu.Lock()
		slices.Sort(s.rec.lat)
		ok := len(s.rec.lat)
		elapsed := s.rec.lastDone.Sub(r.start)
		fmt.Fprintf(w, "%s: offered %g requests/s (%g events/s); 202 %d", s.name, s.rate, s.rate*float64(s.units), ok)
		for _, code := range slices.Sorted(maps.Keys(s.rec.status)) {
			fmt.Fprintf(w, ", %d %d", code, s.rec.status[code])
		}
		if s.rec.errs > 0 {
			fmt.Fprintf(w, ", no answer %d (first: %s)", s.rec.errs, s.rec.firstErr)
		}
		if s.rec.notSent > 0 {
			fmt.Fprintf(w, ", NOT SENT %d (-max-inflight %d reached: the server fell behind)", s.rec.notSent, r.opt.maxInflight)
		}
		if elapsed > 0 {
			fmt.Fprintf(w, "\n  achieved %.0f requests/s = %.0f events/s over %s (to the last answer)", float64(ok)/elapsed.Seconds(),
				float64(ok*s.units)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
		}
		fmt.Fprintf(w, "\n  latency from due time to answer: %s\n", quantiles(s.rec.lat))
		if s.accepted == nil {
			events += ok * s.units
		}
		s.rec.mu.Unlock()
	}
	if r.opt.incidentRate > 0 {
		slices.Sort(r.notes)
		fmt.Fprintf(w, "webhook → note (at the fake PagerDuty): %d notes, %d missing after %s", len(r.notes), r.missing, r.opt.wait)
		if len(r.notes) > 0 {
			fmt.Fprintf(w, "; PagerDuty requests a note %.3f", float64(r.pdRequests)/float64(len(r.notes)))
		}
		fmt.Fprintf(w, "\n  %s\n", quantiles(r.notes))
		if r.missing > 0 {
			fmt.Fprintf(w, "  (the percentiles leave out the %d missing notes: each is later than %s)\n", r.missing, r.opt.wait)
		}
	}
	if r.redis.nodes > 0 {
		fmt.Fprintf(w, "redis (%d node(s)): used_memory %+.0f bytes, CPU %.2f s", r.redis.nodes, r.redis.memory, r.redis.cpu)
		if events > 0 {
			fmt.Fprintf(w, "; per event stored: %.1f bytes, %.1f µs of CPU", r.redis.memory/float64(events), r.redis.cpu*1e6/float64(events))
			if r.opt.incidentRate > 0 {
				fmt.Fprint(w, " (the incidents' writes included)")
			}
		}
		fmt.Fprintln(w)
	}
}
