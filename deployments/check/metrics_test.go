package check

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the repository, seen from this module's folder.
const repoRoot = "../.."

var (
	// optsName matches the Name of prometheus.{Counter,Gauge,Histogram,Summary}Opts.
	optsName = regexp.MustCompile(`(?s)(Counter|Gauge|Histogram|Summary)Opts\{[^}]*?Name:\s*"(noctuary_\w+)"`)
	// descName matches the name given to prometheus.NewDesc.
	descName = regexp.MustCompile(`NewDesc\(\s*"(noctuary_\w+)"`)
)

// codeMetrics returns the series names the server's code registers: each
// metric's name, and for a histogram its _bucket, _sum and _count series. It
// reads the Go sources (not tests) of the server's module rather than
// importing it, so that this module stays apart from the server's.
func codeMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "deployments" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range optsName.FindAllStringSubmatch(string(src), -1) {
			names[m[2]] = true
			if m[1] == "Histogram" || m[1] == "Summary" {
				names[m[2]+"_sum"], names[m[2]+"_count"] = true, true
			}
			if m[1] == "Histogram" {
				names[m[2]+"_bucket"] = true
			}
		}
		for _, m := range descName.FindAllStringSubmatch(string(src), -1) {
			names[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scan must find what is known to exist, or every check against it
	// would pass for nothing.
	for _, known := range []string{"noctuary_triages_total", "noctuary_triage_latency_seconds_bucket", "noctuary_stream_length", "noctuary_store_up", "noctuary_actions_total"} {
		if !names[known] {
			t.Fatalf("the scan of the code's metrics missed %s (found %d names): fix codeMetrics", known, len(names))
		}
	}
	return names
}
