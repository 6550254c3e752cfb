package admin

import "testing"

func TestNearest(t *testing.T) {
	keys := []string{"checkout", "payments", "postgres-main", "api"}
	tests := map[string]string{
		"chekout": "checkout", "Checkout": "checkout", "checkuot": "checkout", "payment": "payments",
		"postgres": "", "apx": "api", "ab": "", "nosuchsvc": "", "inventory": "", "x": "",
	}
	for in, want := range tests {
		if got := nearest(in, keys); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
