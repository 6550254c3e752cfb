package storetest

import (
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Info returns the numeric fields of Redis' INFO for sections (e.g.
// "memory" has used_memory, "cpu" used_cpu_user and used_cpu_sys), for
// benchmarks and the load generator that charge a run with Redis' memory
// and CPU.
func Info(ctx context.Context, rdb redis.Cmdable, sections ...string) (map[string]float64, error) {
	text, err := rdb.Info(ctx, sections...).Result()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if f, err := strconv.ParseFloat(v, 64); ok && err == nil {
			out[k] = f
		}
	}
	return out, nil
}
