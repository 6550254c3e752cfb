package noctuary

import (
	"math"
	"strconv"
	"time"
)

// NotePost is a triage's note on its way to the PagerDuty incident.
type NotePost struct {
	IncidentID string
	// TriageID is the triage whose note it is, carried in its footer.
	TriageID string
	Content  string
	// Check says that an earlier attempt may have posted the note: PagerDuty
	// is asked for a note carrying TriageID first, and the note is posted
	// only when there is none. A first attempt posts at once (one request).
	Check bool
	// Precedence orders the note among those waiting for the key's budget.
	Precedence Precedence
}

// Precedence orders the notes waiting for a PagerDuty key's request budget
// when it is short: urgent (high-urgency) incidents first, then by PagerDuty
// priority (P1 before P2, any before none), then by arrival.
type Precedence struct {
	Urgent bool
	// Priority is the number of the incident's PagerDuty priority (1 for
	// P1); 0 when it has none.
	Priority int
	// Since is when the webhook that asked for the note arrived.
	Since time.Time
}

// PrecedenceOf is the precedence of the note of inc, whose webhook arrived
// at since. A priority is ranked by the number its name ends with (P1,
// SEV-2), as PagerDuty's default and most custom schemes name them.
func PrecedenceOf(inc Incident, since time.Time) Precedence {
	return Precedence{Urgent: inc.Urgency == "high", Priority: trailingNumber(inc.Priority.Summary), Since: since}
}

// Before reports whether p goes before q.
func (p Precedence) Before(q Precedence) bool {
	if p.Urgent != q.Urgent {
		return p.Urgent
	}
	if pr, qr := priorityRank(p.Priority), priorityRank(q.Priority); pr != qr {
		return pr < qr
	}
	return p.Since.Before(q.Since)
}

// Urgency is p's urgency as a metric label: "high" or "low".
func (p Precedence) Urgency() string {
	if p.Urgent {
		return "high"
	}
	return "low"
}

// priorityRank puts incidents without a priority after every priority.
func priorityRank(n int) int {
	if n <= 0 {
		return math.MaxInt
	}
	return n
}

// trailingNumber is the number s ends with, 0 when none (or too large).
func trailingNumber(s string) int {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return 0
	}
	return n
}
