package sources_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzKubernetes: any body is translated into valid events and names, or
// refused with a reason; never a panic.
func FuzzKubernetes(f *testing.F) {
	samples, _ := filepath.Glob("testdata/kubernetes/*.json")
	for _, s := range samples {
		if body, err := os.ReadFile(s); err == nil && !strings.HasSuffix(s, ".golden.json") {
			f.Add(body)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := kube.Translate(http.Header{}, body)
		checkTranslation(t, res, err)
		if err == nil && len(res.Events)+len(res.Unmapped) == 0 {
			t.Fatal("no error and nothing translated")
		}
	})
}
