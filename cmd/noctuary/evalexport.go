package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"go.yaml.in/yaml/v3"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/eval"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/store"
)

// evalExport writes the misses that engineers recorded in the last 90 days
// ("wrong", then the "what was it, then?" form) as evaluation scenarios in
// the format of testdata/eval (see its README), one YAML file on out.
func evalExport(ctx context.Context, cfg *config.Config, logger *slog.Logger, out io.Writer) error {
	s, err := openRedis(ctx, cfg, logger, "eval export", true)
	if err != nil {
		return err
	}
	defer s.Close()
	misses, err := s.Misses(ctx)
	if err != nil {
		return err
	}
	if len(misses) == 0 {
		return errors.New("no miss was recorded in the last 90 days: nothing to export")
	}
	f := eval.File{Category: eval.FeedbackCategory}
	for _, m := range misses {
		deps, err := dependencies(ctx, s, m.Triage.Service)
		if err != nil {
			return err
		}
		f.Scenarios = append(f.Scenarios, eval.FromMiss(m, deps))
	}
	fmt.Fprintf(out, "# %d scenario(s) exported by `noctuary eval export` from engineers' \"wrong\" feedback.\n"+
		"# Each holds what its triage kept: the signals it stored, not every event of its window.\n"+
		"# Review them (and their category) before adding this file to testdata/eval.\n", len(f.Scenarios))
	enc := yaml.NewEncoder(out)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return enc.Close()
}

// dependencies are the service's declared dependencies, none for a
// service no longer configured.
func dependencies(ctx context.Context, s *store.Store, key string) ([]string, error) {
	svc, err := s.Service(ctx, key)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return nil, nil
	}
	return svc.Dependencies, err
}
