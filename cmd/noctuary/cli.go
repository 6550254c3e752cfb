package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// command is one subcommand. run is nil for a command that only prints
// (version), which needs no configuration; direct is set for a command that
// reads its own flags and environment instead of the configuration (event
// send, run where the server is not).
type command struct {
	name, summary string
	run           func(ctx context.Context, cfg *config.Config, logger *slog.Logger, out io.Writer) error
	print         func(out io.Writer)
	direct        func(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int
}

// commands are the subcommands, in the order usage lists them.
var commands = []command{
	{name: "serve", summary: "start the server, the triage worker and the Slack bot (the default)", run: serve},
	{name: "config validate", summary: "check the configuration (environment and NOCTUARY_CONFIG), print its warnings, and exit 2 if it is invalid or incomplete", run: validate},
	{name: "config apply", summary: "make the live settings (NOCTUARY_REDIS_URL) equal to NOCTUARY_CONFIG: create missing services, set enabled, mode, slack_channel and approvers, audited as config:file; --dry-run only prints the changes", direct: applyCommand},
	{name: "demo", summary: "post a demo scenario to a running server (NOCTUARY_PUBLIC_URL) and print the note", run: func(ctx context.Context, cfg *config.Config, _ *slog.Logger, out io.Writer) error {
		return demo(ctx, cfg, out)
	}},
	{name: "eval export", summary: "write the misses engineers recorded in Slack (\"wrong\", then the cause) as evaluation scenarios (YAML, testdata/eval format) on stdout", run: evalExport},
	{name: "event send", summary: "send one ContextEvent to a running server (NOCTUARY_URL, NOCTUARY_INGEST_TOKEN), e.g. from a CI pipeline", direct: eventSend},
	{name: "review", summary: "print the rollout review (drift between the file, the live settings and PagerDuty; each service's figures) as Markdown or --format json, e.g. from a quarterly cron job", direct: reviewCommand},
	{name: "replay-dead", summary: "move dead-lettered webhook events and Slack jobs back onto their queues", run: replayDead},
	{name: "healthcheck", summary: "GET /healthz on NOCTUARY_ADDR of this host; exit 0 when it answers 200 (the container image's health check)", direct: healthcheck},
	{name: "version", summary: "print the version and exit (also --version)", print: printVersion},
}

// usage lists the commands.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: noctuary [command] [-h | --help]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-16s %s\n", c.name, c.summary)
	}
	b.WriteString("\nConfiguration comes from NOCTUARY_* variables and the file named by NOCTUARY_CONFIG (see README).\n")
	return b.String()
}

// parseCommand finds the command args name and checks its flags (only -h and
// --help exist). ok is false when run must exit at once with code: help was
// printed (0), or args are wrong (exitUsage, with a sentence on stderr).
func parseCommand(args []string, stdout, stderr io.Writer) (cmd command, code int, ok bool) {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return cmd, 0, false
	case "--version", "-version":
		args = []string{"version"}
	}
	cmd, rest, found := lookupCommand(args)
	if !found && len(args) == 2 && isHelp(args[1]) && groupHelp(args[0], stdout) {
		return cmd, 0, false
	}
	if !found {
		fmt.Fprintf(stderr, "noctuary: unknown command %q\n\n%s", strings.Join(args, " "), usage())
		return cmd, exitUsage, false
	}
	fs := flag.NewFlagSet("noctuary "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := fs.Parse(rest)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stdout, "usage: noctuary %s\n\n  %s\n", cmd.name, cmd.summary)
		return cmd, 0, false
	case err != nil:
		msg := strings.Replace(err.Error(), "flag provided but not defined: ", "unknown flag ", 1)
		fmt.Fprintf(stderr, "noctuary %s: %s (it takes no flags but -h/--help)\n", cmd.name, msg)
		return cmd, exitUsage, false
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "noctuary %s: unexpected argument %q (see noctuary %s --help)\n", cmd.name, fs.Arg(0), cmd.name)
		return cmd, exitUsage, false
	}
	return cmd, 0, true
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// groupHelp prints the commands whose name begins with the word group
// (noctuary config --help), and reports whether there were any.
func groupHelp(group string, out io.Writer) bool {
	n := 0
	for _, c := range commands {
		if strings.HasPrefix(c.name, group+" ") {
			if n == 0 {
				fmt.Fprintf(out, "usage:\n")
			}
			fmt.Fprintf(out, "  noctuary %-16s %s\n", c.name, c.summary)
			n++
		}
	}
	return n > 0
}

// lookupCommand matches the longest command name that args begin with.
func lookupCommand(args []string) (command, []string, bool) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}
