package store_test

import (
	"context"
	"testing"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func TestSlackThreadNamesTheIncident(t *testing.T) {
	for _, kind := range storetest.AllKinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, kind, store.Options{})
			if id, err := s.SlackThread(ctx, "C1", "1.2"); err != nil || id != "" {
				t.Fatalf("unknown thread = %q, %v", id, err)
			}
			// A record without its ts (not posted yet) names no thread.
			if err := s.SetSlackMessage(ctx, "Q0", map[string]string{"channel": "C1", "ts": ""}); err != nil {
				t.Fatal(err)
			}
			if err := s.SetSlackMessage(ctx, "Q1", map[string]string{"channel": "C1", "ts": "1.2"}); err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct{ channel, ts, want string }{{"C1", "1.2", "Q1"}, {"C2", "1.2", ""}, {"C1", "", ""}} {
				if id, err := s.SlackThread(ctx, tt.channel, tt.ts); err != nil || id != tt.want {
					t.Errorf("SlackThread(%s, %s) = %q, %v; want %q", tt.channel, tt.ts, id, err, tt.want)
				}
			}
		})
	}
}
