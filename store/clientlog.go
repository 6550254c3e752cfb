package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RouteClientLogs sends what the Redis client library logs on its own (a
// connection pool that failed to dial, a connection a hook refused) to
// logger at WARN, one record each, instead of plain-text lines on stderr
// among the process's log. The library keeps one logger per process: main
// calls this once.
func RouteClientLogs(logger *slog.Logger) { redis.SetLogger(clientLog{logger}) }

// clientLog is go-redis' logging interface over slog.
type clientLog struct{ l *slog.Logger }

// Printf logs one message of the client library.
func (c clientLog) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	c.l.WarnContext(ctx, "redis client: "+strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
}
