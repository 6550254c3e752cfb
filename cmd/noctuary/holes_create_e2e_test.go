package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestSlashEnableTypoAndCreate: through the running server and a real
// redis-server, /noctuary enable of a typo is refused with the nearest key
// and stores nothing; /noctuary create then enable makes a service whose
// incidents get their note.
func TestSlashEnableTypoAndCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withSlack(newFakeSlack(t)))
	ctx := context.Background()
	_, text := e.slashCommand("U0ADMIN", "enable chekout", testSigningSecret)
	mustContain(t, text, "service chekout is not known (did you mean checkout?)", "/noctuary create chekout")
	if _, err := e.main.Store.Service(ctx, "chekout"); noctuary.ErrorCode(err) != noctuary.ENotFound {
		t.Fatalf("enable of a typo stored a service (%v)", err)
	}
	_, text = e.slashCommand("U0ADMIN", "create search default PSEARCH", testSigningSecret)
	mustContain(t, text, "Created `search`")
	_, text = e.slashCommand("U0ADMIN", "enable search", testSigningSecret)
	if !strings.HasPrefix(text, "Enabled `search`") {
		t.Fatalf("enable search: %q", text)
	}
	e.sendWebhook(webhook("EV-CREATED", noctuary.EventIncidentTriggered, "QCREATED", "PSEARCH", onsetAt()))
	e.waitNotes("QCREATED", 1, 10*time.Second)
}
