package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/store"
)

const applyUsage = `usage: noctuary config apply [--dry-run]

  make the live settings (NOCTUARY_REDIS_URL) equal to the configuration
  file (NOCTUARY_CONFIG): create the declared services Redis lacks and set
  each declared service's enabled, mode, slack_channel and approvers to the
  file's values, whatever its settings_source, one line and one audit entry
  (actor config:file) per change. A service that is live but not in the
  file is reported and kept: apply never deletes a service.

  --dry-run  print what would change and change nothing

  Exit status: 0 when applied (or nothing to change), 1 when Redis could not
  be read or written, 2 when the command or configuration is invalid.
`

// applyCommand is `noctuary config apply`.
func applyCommand(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("noctuary config apply", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dry := fs.Bool("dry-run", false, "")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, applyUsage)
		return 0
	case err == nil && fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		msg := strings.Replace(err.Error(), "flag provided but not defined: ", "unknown flag ", 1)
		fmt.Fprintf(stderr, "noctuary config apply: %s (see noctuary config apply --help)\n", msg)
		return exitUsage
	}
	cfg, err := config.Load(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary: invalid configuration:\n%s\n", indent(err))
		return exitInvalidConfig
	}
	err = applyConfig(ctx, cfg, newLogger(stderr), *dry, stdout)
	var incomplete *incompleteError
	switch {
	case errors.As(err, &incomplete):
		return incomplete.report(stderr)
	case err != nil:
		fmt.Fprintf(stderr, "noctuary config apply: %v\n", err)
		return 1
	}
	return 0
}

// applyConfig applies cfg's services to the live state, or with dry only
// says what it would change, and prints one line a change.
func applyConfig(ctx context.Context, cfg *config.Config, logger *slog.Logger, dry bool, out io.Writer) error {
	if cfg.File == "" {
		return &incompleteError{errors.New("config apply needs NOCTUARY_CONFIG, the configuration file to apply")}
	}
	s, err := openRedis(ctx, cfg, logger, "config apply", dry) // dry: not even the integrations' records
	if err != nil {
		return err
	}
	defer s.Close()
	var target serviceStore = s
	if dry {
		target, logger = dryRun{s}, slog.New(slog.DiscardHandler)
	}
	changes, err := applyServices(ctx, target, cfg.Services, logger, byApply)
	for _, c := range changes {
		fmt.Fprintln(out, c.line(dry))
	}
	if err != nil {
		return err
	}
	undeclared, err := undeclaredServices(ctx, s, cfg.Services)
	if err != nil {
		return err
	}
	for _, key := range undeclared {
		fmt.Fprintf(out, "kept %s: it is live but not in the configuration file (declare it, or disable it; apply never deletes a service)\n", key)
	}
	fmt.Fprintln(out, applySummary(len(changes), dry))
	return nil
}

func applySummary(n int, dry bool) string {
	switch {
	case n == 0:
		return "nothing to change: the declared services are live as the file says"
	case dry:
		return fmt.Sprintf("%d change(s) would be made; nothing was changed (run without --dry-run to apply)", n)
	}
	return fmt.Sprintf("%d change(s) made, audited as %s", n, noctuary.ActorConfigFile)
}

// line says what c does (dry: would do) in one line. No setting it
// names is a secret.
func (c seedChange) line(dry bool) string {
	verb, was := "", "was"
	if dry {
		verb, was = "would ", "is"
	}
	if d := c.created; d != nil {
		state := "disabled"
		if d.Enabled {
			state = "enabled"
		}
		mode := d.Mode
		if mode == "" {
			mode = noctuary.ModeReadOnly
		}
		return fmt.Sprintf("%screate service %s as declared (environment %s, %s, %s)", verb, d.Key, orNone(d.Environment), state, mode)
	}
	dr := c.drift
	return fmt.Sprintf("%sset %s %s to %s (live %s %s)", verb, dr.Service, dr.Field, orNone(dr.File), was, orNone(dr.Live))
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// undeclaredServices lists the live services the file does not declare.
func undeclaredServices(ctx context.Context, s *store.Store, declared []noctuary.Service) ([]string, error) {
	live, err := s.Services(ctx)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, l := range live {
		if !slices.ContainsFunc(declared, func(d noctuary.Service) bool { return d.Key == l.Key }) {
			keys = append(keys, l.Key)
		}
	}
	return keys, nil
}

// dryRun is the live state as config apply --dry-run sees it: it reads the
// services and writes nothing, so that the dry run goes through the same
// code as the apply.
type dryRun struct{ s *store.Store }

func (d dryRun) CreateServiceIfMissing(ctx context.Context, svc noctuary.Service) (bool, error) {
	_, err := d.s.Service(ctx, svc.Key)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return true, nil
	}
	return false, err
}

func (d dryRun) UpdateService(ctx context.Context, key string, fn func(*noctuary.Service) error) (noctuary.Service, error) {
	svc, err := d.s.Service(ctx, key)
	if err != nil {
		return svc, err
	}
	return svc, fn(&svc)
}

func (dryRun) Audit(context.Context, noctuary.AuditEntry) (string, error) { return "", nil }
