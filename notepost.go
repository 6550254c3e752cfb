package noctuary

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
}
