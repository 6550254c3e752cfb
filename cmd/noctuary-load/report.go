package main

import (
	"bytes"
	"cmp"
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
	"syscall"
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
	lastNote              time.Time
	pdRequests            int
	usage                 usage // over the run
}

// usage is what the run cost: Redis' memory and CPU (INFO, summed over
// nodes), the CPU of -pids and of this process.
type usage struct {
	nodes      int
	memory     float64 // used_memory, bytes
	redisCPU   float64 // used_cpu_user + used_cpu_sys, seconds
	pidsCPU    float64 // seconds
	generator  float64 // seconds
	pidsMissed error   // why -pids could not be read
}

func (a usage) minus(b usage) usage {
	return usage{nodes: a.nodes, memory: a.memory - b.memory, redisCPU: a.redisCPU - b.redisCPU,
		pidsCPU: a.pidsCPU - b.pidsCPU, generator: a.generator - b.generator, pidsMissed: cmp.Or(a.pidsMissed, b.pidsMissed)}
}

// readUsage reads INFO memory and cpu of every Redis node and the CPU of
// the processes.
func readUsage(ctx context.Context, o options) (usage, error) {
	u := usage{nodes: len(o.redisAddrs)}
	for _, addr := range o.redisAddrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		f, err := storetest.Info(ctx, rdb, "memory", "cpu")
		_ = rdb.Close()
		if err != nil {
			return u, fmt.Errorf("cannot read INFO from Redis at %s (-redis): %w", addr, err)
		}
		u.memory += f["used_memory"]
		u.redisCPU += f["used_cpu_user"] + f["used_cpu_sys"]
	}
	for _, pid := range o.pids {
		cpu, err := processCPU(pid)
		if err != nil {
			u.pidsMissed = err
		}
		u.pidsCPU += cpu
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.generator = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	return u, nil
}

// processCPU returns the user and system CPU seconds of a process, from
// /proc/PID/stat (utime and stime, in USER_HZ = 100 ticks a second).
func processCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cannot read the CPU of process %d (-pids): %w", pid, err)
	}
	// Fields after the command name, which is in parentheses: state is
	// the first, utime the 12th, stime the 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat has %d fields after the name, want at least 13", pid, len(f))
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q are not numbers", pid, f[11], f[12])
	}
	return (utime + stime) / 100, nil
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

// never stands for a note that did not come: later than any that came.
const never = time.Duration(math.MaxInt64)

// ms prints d in milliseconds ("missing" for never).
func ms(d time.Duration) string {
	if d == never {
		return "missing"
	}
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
		elapsed := max(s.rec.lastDone.Sub(r.start), r.opt.duration) // n requests span n intervals
		fmt.Fprintf(w, "%s: offered %g requests/s", s.name, s.rate)
		if s.accepted == nil {
			fmt.Fprintf(w, " (%g events/s)", s.rate*float64(s.units))
		}
		fmt.Fprintf(w, "; 202 %d", ok)
		for _, code := range slices.Sorted(maps.Keys(s.rec.status)) {
			fmt.Fprintf(w, ", %d %d", code, s.rec.status[code])
		}
		if s.rec.errs > 0 {
			fmt.Fprintf(w, ", no answer %d (first: %s)", s.rec.errs, s.rec.firstErr)
		}
		if s.rec.notSent > 0 {
			fmt.Fprintf(w, ", NOT SENT %d (-max-inflight %d reached: the server fell behind)", s.rec.notSent, r.opt.maxInflight)
		}
		if elapsed > 0 && s.accepted != nil {
			fmt.Fprintf(w, "\n  achieved %.1f requests/s over %s (the run or, if longer, to the last answer)", float64(ok)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
		} else if elapsed > 0 {
			fmt.Fprintf(w, "\n  achieved %.0f requests/s = %.0f events/s over %s (the run or, if longer, to the last answer)", float64(ok)/elapsed.Seconds(),
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
		if len(r.notes) > 0 {
			span := max(r.lastNote.Sub(r.start), r.opt.duration)
			fmt.Fprintf(w, "\n  notes delivered at %.1f/s (over the run or, if longer, to the last note: %s)", float64(len(r.notes))/span.Seconds(), span.Round(time.Millisecond))
		}
		fmt.Fprintf(w, "\n  %s", quantiles(append(r.notes, slices.Repeat([]time.Duration{never}, r.missing)...)))
		if r.missing > 0 {
			fmt.Fprintf(w, " (a missing note counts as later than any that came: it was not there %s after the last webhook)", r.opt.wait)
		}
		fmt.Fprintln(w)
	}
	r.printUsage(w, events)
}

// printUsage writes what the run cost, per event stored and per note.
func (r *result) printUsage(w io.Writer, events int) {
	u := r.usage
	per := func(seconds float64) string {
		var parts []string
		if events > 0 {
			parts = append(parts, fmt.Sprintf("%.1f µs an event", seconds*1e6/float64(events)))
		}
		if len(r.notes) > 0 {
			parts = append(parts, fmt.Sprintf("%.1f ms a note", seconds*1e3/float64(len(r.notes))))
		}
		if len(parts) == 0 {
			return ""
		}
		return " (" + strings.Join(parts, ", ") + ")"
	}
	mixed := ""
	if events > 0 && len(r.notes) > 0 {
		mixed = "; events and incidents were sent together, so each figure is charged with both"
	}
	fmt.Fprintf(w, "CPU over the run: this generator %.2f s%s", u.generator, mixed)
	if len(r.opt.pids) > 0 {
		fmt.Fprintf(w, "; -pids %.2f s%s", u.pidsCPU, per(u.pidsCPU))
		if u.pidsMissed != nil {
			fmt.Fprintf(w, " (incomplete: %v)", u.pidsMissed)
		}
	}
	if u.nodes > 0 {
		fmt.Fprintf(w, "; redis %.2f s%s", u.redisCPU, per(u.redisCPU))
	}
	fmt.Fprintln(w)
	if u.nodes > 0 {
		fmt.Fprintf(w, "redis (%d node(s)): used_memory %+.0f bytes", u.nodes, u.memory)
		if events > 0 {
			fmt.Fprintf(w, " = %.1f bytes an event stored", u.memory/float64(events))
		}
		fmt.Fprintln(w)
	}
}
