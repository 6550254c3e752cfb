// Command noctuary runs the Noctuary service and its maintenance commands.
//
//	noctuary [serve]          start the server, the triage worker and the Slack bot
//	noctuary config validate  check the configuration without starting anything
//	noctuary demo             post the demo scenario to a running server and print the note
//	noctuary event send       send one ContextEvent to a running server (CI pipelines)
//	noctuary review           print the rollout review (quarterly job)
//	noctuary replay-dead      move dead-lettered webhooks back onto the triage queue
//	noctuary healthcheck      exit 0 when the local server's /healthz answers 200
//	noctuary version          print the version
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
	"github.com/noctuary/noctuary/store"
)

// Exit statuses: 1 is a failure at run time.
const (
	// exitInvalidConfig is the exit status for an invalid configuration.
	exitInvalidConfig = 2
	// exitUsage is the exit status for an unknown command, flag or argument.
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	store.RouteClientLogs(newLogger(os.Stderr))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if cmd, rest, found := lookupCommand(args); found && cmd.direct != nil {
		return cmd.direct(ctx, rest, os.LookupEnv, stdout, stderr)
	}
	cmd, code, ok := parseCommand(args, stdout, stderr)
	if !ok {
		return code
	}
	if cmd.run == nil { // needs no configuration
		cmd.print(stdout)
		return 0
	}
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary: invalid configuration:\n%s\n", indent(err))
		return exitInvalidConfig
	}
	err = cmd.run(ctx, cfg, newLogger(stderr), stdout)
	var incomplete *incompleteError
	switch {
	case errors.As(err, &incomplete):
		return incomplete.report(stderr)
	case err != nil:
		fmt.Fprintf(stderr, "noctuary: %v\n", err)
		return 1
	}
	return 0
}

// incompleteError is a configuration that is valid but lacks something
// serving needs (config.Gaps).
type incompleteError struct{ err error }

func (e *incompleteError) Error() string { return e.err.Error() }

// report writes what is missing on w and returns the exit status.
func (e *incompleteError) report(w io.Writer) int {
	fmt.Fprintf(w, "noctuary: incomplete configuration:\n%s\n", indent(e.err))
	return exitInvalidConfig
}

// validate reports the configuration's gaps: the warnings on out, an
// *incompleteError for what is missing.
func validate(_ context.Context, cfg *config.Config, _ *slog.Logger, out io.Writer) error {
	missing, warnings := cfg.Gaps()
	for _, w := range warnings {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
	if missing != nil {
		return &incompleteError{missing}
	}
	fmt.Fprintf(out, "configuration is valid: %d integration(s), %d service(s), %d warning(s)\n", len(cfg.Integrations), len(cfg.Services), len(warnings))
	return nil
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
// gracefully. A configuration with gaps (config.Gaps) is refused, or served
// with its warnings logged.
func serve(ctx context.Context, cfg *config.Config, logger *slog.Logger, _ io.Writer) error {
	missing, warnings := cfg.Gaps()
	if missing != nil {
		return &incompleteError{missing}
	}
	for _, w := range warnings {
		logger.Warn(w)
	}
	m := NewMain(cfg, logger)
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	logger.Info("noctuary is listening", "addr", m.Addr, "embedded_store", cfg.RedisURL == "", "version", version())
	if !cfg.AdminToken.IsZero() {
		logger.Info("dashboard: sign in with NOCTUARY_ADMIN_TOKEN", "url", strings.TrimRight(cfg.PublicURL, "/")+"/")
	}
	for _, integ := range cfg.Integrations {
		logger.Info("PagerDuty webhook subscription URL", "integration", integ.ID, "environment", integ.Environment,
			"url", strings.TrimRight(cfg.PublicURL, "/")+"/webhooks/pagerduty/"+integ.ID, "dry_run", !integ.HasCredential())
	}
	select {
	case <-ctx.Done():
	case <-m.Done():
	}
	logger.Info("shutting down")
	return m.Close()
}
