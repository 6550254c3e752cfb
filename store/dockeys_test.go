package store

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// keyLiteral finds the fixed part of a Redis key in a string literal: from
// "noctuary:" (or "{noctuary:") up to the first '{' or the closing quote.
var keyLiteral = regexp.MustCompile(`"(\{?noctuary:[^"{]*)`)

// TestDocListsEveryKey: every key or key prefix the store writes is in the
// key layout of doc.go.
func TestDocListsEveryKey(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "doc.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(string(src), -1) {
			if !strings.Contains(string(doc), "//\t"+m[1]) {
				t.Errorf("%s: key %q is not in doc.go's key layout", f, m[1])
			}
		}
	}
}
