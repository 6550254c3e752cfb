package config

import (
	"errors"
	"testing"

	"github.com/noctuary/noctuary"
)

// FuzzLoadFile feeds arbitrary bytes as the configuration file: Parse must
// never panic, must fail only with invalid-configuration errors, and what it
// accepts must hold together.
func FuzzLoadFile(f *testing.F) {
	lookup := env(map[string]string{"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "whs", "A": "a", "EMPTY": ""})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml", lookup)
		if err != nil {
			var e *noctuary.Error
			if !errors.As(err, &e) || e.Code != noctuary.EInvalid || cfg != nil {
				t.Fatalf("Parse = %v, %v; want nil and an invalid *noctuary.Error", cfg, err)
			}
			return
		}
		envs := map[string]bool{}
		for _, in := range cfg.Integrations {
			if len(in.WebhookSecrets) == 0 || in.WebhookSecrets[0].IsZero() || !in.Direction.Valid() {
				t.Fatalf("accepted integration %+v", in)
			}
			envs[in.Environment] = true
		}
		for _, s := range cfg.Services {
			if !noctuary.ValidServiceKey(s.Key) || !s.Mode.Valid() || !envs[s.Environment] {
				t.Fatalf("accepted service %+v", s)
			}
			for _, a := range s.Actions {
				if a.Secret.IsZero() || httpURL(a.Webhook) != "" {
					t.Fatalf("accepted action %+v", a)
				}
			}
		}
		if cfg.TriageConcurrency < 1 || cfg.LLMTimeout <= 0 || cfg.EventRetention <= 0 {
			t.Fatalf("accepted settings %+v", cfg)
		}
	})
}
