package sources

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/noctuary/noctuary"
)

// FuzzKubernetes: any body is translated into valid events and names, or
// refused as invalid; never a panic, never a half answer.
func FuzzKubernetes(f *testing.F) {
	samples, _ := filepath.Glob("testdata/kubernetes/*.json")
	for _, s := range samples {
		if body, err := os.ReadFile(s); err == nil {
			f.Add(body)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, unmapped, err := Kubernetes(body, kubeTestConfig)
		if err != nil {
			if noctuary.ErrorCode(err) != noctuary.EInvalid || evs != nil || unmapped != nil {
				t.Fatalf("error %v with %d events, %d unmapped", err, len(evs), len(unmapped))
			}
			return
		}
		if len(evs)+len(unmapped) == 0 {
			t.Fatal("no error and nothing translated")
		}
		for _, ev := range evs {
			if err := ev.Validate(ev.OccurredAt); err != nil {
				t.Fatalf("%+v: %v", ev, err)
			}
		}
	})
}
