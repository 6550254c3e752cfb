package pd

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/noctuary/noctuary"
)

// fields decodes a kept webhook event's fields one at a time: strictly those
// triage needs (a shape other than PagerDuty's is the error err, the first
// one found), leniently the others (such a field is treated as absent and
// its name kept in odd, once).
type fields struct {
	err error
	odd []string
}

// fail records a refusal with msg, unless one is already recorded.
func (f *fields) fail(msg string) {
	if f.err == nil {
		f.err = noctuary.Errorf(noctuary.EInvalid, "%s", msg)
	}
}

// oddField records that the non-essential field name had another shape.
func (f *fields) oddField(name string) {
	for _, n := range f.odd {
		if n == name {
			return
		}
	}
	f.odd = append(f.odd, name)
}

// needString decodes the essential string field name: absent or null is "".
func (f *fields) needString(name string, raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && json.Unmarshal(raw, &s) != nil {
		f.fail("The webhook event's " + name + " is not a string as PagerDuty sends it.")
	}
	return s
}

// needTime decodes the essential ISO 8601 time field name in UTC; absent,
// null or "" is the zero time.
func (f *fields) needTime(name string, raw json.RawMessage) time.Time {
	s := f.needString(name, raw)
	t, ok := parseTime(s)
	if !ok {
		f.fail("The webhook's " + name + " is not an ISO 8601 time.")
	}
	return t
}

// mayTime decodes the non-essential time field name: zero when absent or odd.
func (f *fields) mayTime(name string, raw json.RawMessage) time.Time {
	t, ok := parseTime(may[string](f, name, raw))
	if !ok {
		f.oddField(name)
	}
	return t
}

// may decodes the non-essential field name as a T: the zero T when absent,
// null or of another shape (then name is odd).
func may[T any](f *fields, name string, raw json.RawMessage) T {
	var v T
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return v
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		f.oddField(name)
		var zero T
		return zero
	}
	return v
}

// ref decodes the PagerDuty reference name (null or absent gives the zero
// Reference). When need, the reference must be an object whose id is a
// string; else a reference of another shape is absent. Its type, summary
// and html_url are non-essential either way.
func (f *fields) ref(name string, raw json.RawMessage, need bool) noctuary.Reference {
	var w struct {
		ID      json.RawMessage `json:"id"`
		Type    json.RawMessage `json:"type"`
		Summary json.RawMessage `json:"summary"`
		HTMLURL json.RawMessage `json:"html_url"`
	}
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return noctuary.Reference{}
	}
	var id string
	err := json.Unmarshal(raw, &w)
	if err == nil && len(w.ID) > 0 {
		err = json.Unmarshal(w.ID, &id)
	}
	switch {
	case err != nil && need:
		f.fail("The webhook event's " + name + " is not a PagerDuty reference (an object with a string id).")
		return noctuary.Reference{}
	case err != nil:
		f.oddField(name)
		return noctuary.Reference{}
	}
	return noctuary.Reference{ID: id, Type: may[string](f, name+".type", w.Type),
		Summary: may[string](f, name+".summary", w.Summary), HTMLURL: may[string](f, name+".html_url", w.HTMLURL)}
}

// parseTime parses an ISO 8601 (RFC 3339) time in UTC; "" gives the zero
// time and true.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
