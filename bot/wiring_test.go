package bot

import (
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/approvals"
	"github.com/noctuary/noctuary/store"
)

// The real packages satisfy the interfaces the bot declares, and the bot
// satisfies the agent's mirror and the approvals' directory.
var (
	_ Store               = (*store.Store)(nil)
	_ Admin               = (*admin.Admin)(nil)
	_ Approvals           = (*approvals.Service)(nil)
	_ approvals.Directory = (*Directory)(nil)
	_ agent.Mirror        = (*Bot)(nil)
)
