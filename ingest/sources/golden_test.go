package sources_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/noctuary/noctuary/ingest/sources"
)

var update = flag.Bool("update", false, "rewrite the golden files from the translations")

// goldenCase is one real payload translated with one configuration; golden
// (testdata/<tool>/<name>.golden.json) holds the exact Result.
type goldenCase struct {
	payload, golden string
	header          http.Header
	translator      interface {
		Translate(http.Header, []byte) (sources.Result, error)
	}
}

// runGolden checks each case's translation against its golden file.
func runGolden(t *testing.T, cases []goldenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			res, err := tc.translator.Translate(tc.header, body)
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("translation of %s differs from %s:\n%s", tc.payload, tc.golden, got)
			}
		})
	}
}
