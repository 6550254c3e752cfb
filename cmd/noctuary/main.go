// Command noctuary runs the Noctuary service and its maintenance commands.
//
//	noctuary [serve]          start the server, the triage worker and the Slack bot
//	noctuary config validate  check the configuration without starting anything
//	noctuary demo             post the demo scenario to a running server and print the note
//	noctuary replay-dead      move dead-lettered webhooks back onto the triage queue
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// exitInvalidConfig is the exit status for an invalid configuration.
const exitInvalidConfig = 2

const usage = `usage: noctuary [serve | config validate | demo | replay-dead]

  serve             start the server, the triage worker and the Slack bot (default)
  config validate   check the configuration (environment and NOCTUARY_CONFIG) and exit
  demo              post a demo scenario to a running server and print the note
  replay-dead       move dead-lettered webhook events back onto the triage queue
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary: invalid configuration:\n%s\n", indent(err))
		return exitInvalidConfig
	}
	logger := newLogger(stderr)
	switch {
	case cmd == "serve":
		err = serve(ctx, cfg, logger)
	case cmd == "config" && len(args) == 2 && args[1] == "validate":
		fmt.Fprintf(stdout, "configuration is valid: %d integration(s), %d service(s)\n", len(cfg.Integrations), len(cfg.Services))
	case cmd == "demo":
		err = demo(ctx, cfg, stdout)
	case cmd == "replay-dead":
		err = replayDead(ctx, cfg, logger, stdout)
	default:
		fmt.Fprint(stderr, usage)
		return exitInvalidConfig
	}
	if err != nil {
		fmt.Fprintf(stderr, "noctuary: %v\n", err)
		return 1
	}
	return 0
}

// indent prints each joined error on its own line.
func indent(err error) string {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		out := ""
		for _, e := range joined.Unwrap() {
			out += "  - " + e.Error() + "\n"
		}
		return out
	}
	return "  - " + err.Error()
}

// newLogger logs JSON unless stderr is a terminal.
func newLogger(w io.Writer) *slog.Logger {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, nil))
		}
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// serve runs Noctuary until ctx ends (SIGTERM, Ctrl-C), then shuts down
// gracefully.
func serve(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	m := NewMain(cfg, logger)
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	logger.Info("noctuary is listening", "addr", m.Addr, "embedded_store", cfg.RedisURL == "")
	for _, integ := range cfg.Integrations {
		logger.Info("PagerDuty webhook subscription URL", "integration", integ.ID, "environment", integ.Environment,
			"url", strings.TrimRight(cfg.PublicURL, "/")+"/webhooks/pagerduty/"+integ.ID, "dry_run", integ.Token.IsZero())
	}
	select {
	case <-ctx.Done():
	case <-m.Done():
	}
	logger.Info("shutting down")
	return m.Close()
}
