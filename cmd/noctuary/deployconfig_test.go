package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestDeploymentConfigs: the configuration files that deployments/ ships
// (the kustomize base and overlays) load without error and without a gap
// that would stop `noctuary serve`, given a value for each ${NAME} they use.
func TestDeploymentConfigs(t *testing.T) {
	t.Parallel()
	var files []string
	for _, pattern := range []string{"../../deployments/kubernetes/base/noctuary.yaml", "../../deployments/kubernetes/overlays/*/noctuary.yaml"} {
		found, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, found...)
	}
	if len(files) < 3 {
		t.Fatalf("found %d configuration files under deployments/kubernetes (%v); want the base's and each overlay's", len(files), files)
	}
	// Only the file's ${NAME}s get a value: NOCTUARY_* settings stay unset, so
	// that the file alone is what is checked.
	lookup := func(name string) (string, bool) {
		if strings.HasPrefix(name, "NOCTUARY_") {
			return "", false
		}
		return "placeholder-" + strings.ToLower(name), true
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(data, f, lookup)
			if err != nil {
				t.Fatalf("invalid: %v", err)
			}
			if missing, _ := cfg.Gaps(); missing != nil {
				t.Fatalf("noctuary serve would refuse it: %v", missing)
			}
			if len(cfg.Integrations) == 0 || cfg.Integrations[0].Token.IsZero() {
				t.Fatalf("integrations %+v: want one with a PagerDuty key from the Secret", cfg.Integrations)
			}
		})
	}
}
