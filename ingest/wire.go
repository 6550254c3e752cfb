package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// wireEvent is a ContextEvent as encoding/json decodes it when the fast path
// declines, with an occurred_at and attributes that explain their errors.
type wireEvent struct {
	ID         string     `json:"id"`
	Service    string     `json:"service"`
	Kind       string     `json:"kind"`
	Source     string     `json:"source"`
	OccurredAt timestamp  `json:"occurred_at"`
	Summary    string     `json:"summary"`
	Attributes attributes `json:"attributes"`
	Link       string     `json:"link"`
}

const eventFields = "id, service, kind, source, occurred_at, summary, attributes, link"

func (w *wireEvent) event() noctuary.ContextEvent {
	return noctuary.ContextEvent{ID: w.ID, Service: w.Service, Kind: w.Kind, Source: w.Source,
		OccurredAt: time.Time(w.OccurredAt), Summary: w.Summary, Attributes: map[string]string(w.Attributes), Link: w.Link}
}

// timestamp is an RFC 3339 time in JSON; null leaves it zero.
type timestamp time.Time

var errTimestamp = noctuary.Errorf(noctuary.EInvalid, "occurred_at must be an RFC 3339 timestamp string such as 2026-11-23T02:10:41Z")

// UnmarshalJSON parses an RFC 3339 string.
func (t *timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return errTimestamp
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errTimestamp
	}
	*t = timestamp(v)
	return nil
}

// attributes is a flat map of strings whose errors name the offending key.
type attributes map[string]string

// UnmarshalJSON decodes a JSON object of strings (null values become "").
func (a *attributes) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return attributesError(b)
	}
	*a = m
	return nil
}

// attributesError explains why b, a JSON value, is not a map of strings.
func attributesError(b []byte) error {
	if b[0] != '{' {
		return noctuary.Errorf(noctuary.EInvalid, "attributes must be an object of string values, not %s", jsonType(b[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	_, _ = dec.Token() // {
	for dec.More() {
		key, _ := dec.Token()
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			break
		}
		if v[0] != '"' && v[0] != 'n' {
			return noctuary.Errorf(noctuary.EInvalid, "attribute %q must be a string, not %s (attributes are a flat map of strings)", truncate(fmt.Sprint(key), 40), jsonType(v[0]))
		}
	}
	return noctuary.Errorf(noctuary.EInvalid, "attributes must be an object of string values")
}

// invalidUTF8 names the field of raw, a decoded event object that is not
// valid UTF-8, in a sentence like Validate's.
func invalidUTF8(raw string) error {
	var fields, attrs map[string]json.RawMessage
	_ = json.Unmarshal([]byte(raw), &fields)
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		switch {
		case strings.EqualFold(name, "attributes"):
			_ = json.Unmarshal(fields[name], &attrs)
		case !utf8.Valid(fields[name]):
			return noctuary.Errorf(noctuary.EInvalid, "%s is not valid UTF-8", strings.ToLower(name))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(attrs)) {
		if !utf8.Valid(attrs[key]) {
			return noctuary.Errorf(noctuary.EInvalid, "attribute %q is not valid UTF-8", truncate(key, 40))
		}
	}
	return noctuary.Errorf(noctuary.EInvalid, "an attribute key is not valid UTF-8")
}

// jsonType names the JSON type of a value from its first byte, for a sentence.
func jsonType(first byte) string {
	switch first {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// itemMessage turns a decoding or validation error of one event into a sentence.
func itemMessage(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeMessage(typeErr)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + name + "; the fields are " + eventFields
	}
	return noctuary.ErrorMessage(err)
}

func typeMessage(e *json.UnmarshalTypeError) string {
	got := "a " + e.Value
	switch {
	case strings.HasPrefix(e.Value, "number"):
		got = "a number"
	case e.Value == "bool":
		got = "a boolean"
	case e.Value == "object" || e.Value == "array":
		got = "an " + e.Value
	}
	if e.Field == "" {
		return "an event must be a JSON object, not " + got
	}
	return fmt.Sprintf("%s must be a string, not %s", e.Field, got)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
