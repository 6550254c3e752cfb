package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// Limits of one /v1/events request (docs/architecture.md, "HTTP contract").
const (
	MaxEventsBody  = 8 << 20
	MaxBatchEvents = 10000
)

// batch is a decoded /v1/events body: events[i] is item i, usable only when
// problems is empty (a batch is accepted whole or not at all).
type batch struct {
	events   []noctuary.ContextEvent
	problems []itemError
	// forbidden counts the problems that are scope problems.
	forbidden int
}

// copyBuffers are the buffers readBody reads through.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

var errNoEvents = noctuary.Errorf(noctuary.EInvalid, "The request holds no events.")

// readBody reads r whole into one string (the events' strings are
// substrings of it); sizeHint is the Content-Length, or -1.
func readBody(r io.Reader, sizeHint int64) (string, error) {
	var sb strings.Builder
	if sizeHint > 0 && sizeHint <= MaxEventsBody {
		sb.Grow(int(sizeHint))
	}
	buf := copyBuffers.Get().(*[]byte)
	_, err := io.CopyBuffer(&sb, r, *buf)
	copyBuffers.Put(buf)
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return "", noctuary.Errorf(noctuary.ETooLarge, "The body is larger than %d MiB; send smaller batches.", MaxEventsBody>>20)
	case err != nil:
		return "", noctuary.Wrap(err, noctuary.EInvalid, "The body could not be read.")
	}
	return sb.String(), nil
}

// decodeEvents decodes one JSON object, a JSON array of objects, or a stream
// of objects (NDJSON; blank lines are fine; ndjson forces it even when the
// body starts with "[") and validates each event at now; with a retention,
// an event that occurred more than retention before now is refused too. Bad
// items land in the batch's problems; the error is for the body as a whole:
// too many events, or not JSON.
func decodeEvents(body string, ndjson bool, now time.Time, retention time.Duration) (batch, error) {
	d := decoder{EventScanner: noctuary.EventScanner{Text: body}, now: now, retention: retention}
	d.Space()
	var err error
	if !ndjson && strings.HasPrefix(d.Text[d.Pos:], "[") {
		err = d.array()
	} else {
		err = d.stream()
	}
	if err == nil && len(d.b.events) == 0 {
		err = errNoEvents
	}
	return d.b, err
}

type decoder struct {
	noctuary.EventScanner
	now       time.Time
	retention time.Duration
	b         batch
}

// stream decodes whitespace-separated values until the end of the body.
func (d *decoder) stream() error {
	for d.Space(); d.Pos < len(d.Text); d.Space() {
		if err := d.item(); err != nil {
			return err
		}
	}
	return nil
}

// array decodes the elements of a JSON array, which must end the body.
func (d *decoder) array() error {
	d.Pos++ // [
	if d.Space(); !d.Take(']') {
		for {
			if err := d.item(); err != nil {
				return err
			}
			d.Space()
			if d.Take(']') {
				break
			}
			if !d.Take(',') {
				return d.syntaxError("expected ',' or ']' after event %d", len(d.b.events)-1)
			}
			d.Space()
		}
	}
	if d.Space(); d.Pos < len(d.Text) {
		return noctuary.Errorf(noctuary.EInvalid, "The body holds data after the JSON array (byte %d); send one array, one object or NDJSON.", d.Pos)
	}
	return nil
}

func (d *decoder) syntaxError(format string, args ...any) error {
	if d.Pos >= len(d.Text) {
		return noctuary.Errorf(noctuary.EInvalid, "The body ends in the middle of event %d.", len(d.b.events))
	}
	return noctuary.Errorf(noctuary.EInvalid, "The body is not valid JSON at byte %d: %s.", d.Pos, fmt.Sprintf(format, args...))
}

// item decodes and validates the event at d.Pos, which is not blank.
func (d *decoder) item() error {
	i := len(d.b.events)
	if i == MaxBatchEvents {
		return noctuary.Errorf(noctuary.ETooLarge, "The request holds more than %d events; send at most %d per request.", MaxBatchEvents, MaxBatchEvents)
	}
	ev, ok := d.Event()
	var err error
	if !ok {
		ev, err, ok = d.slowEvent()
	}
	if !ok {
		d.b.problems = append(d.b.problems, itemError{Index: i, Error: noctuary.ErrorMessage(err)})
		return err
	}
	if err == nil {
		err = checkEvent(&ev, d.now, d.retention)
	}
	if err != nil {
		d.b.problems = append(d.b.problems, itemError{Index: i, Error: itemMessage(err)})
	}
	d.b.events = append(d.b.events, ev)
	return nil
}

// slowEvent decodes the value at d.Pos with encoding/json, which explains
// whatever the fast path declined (encoding/json replaces invalid UTF-8 with
// U+FFFD; such an event is refused instead). err is the event's problem; ok is false
// when err is not JSON and decoding the body must stop.
func (d *decoder) slowEvent() (ev noctuary.ContextEvent, err error, ok bool) {
	i := len(d.b.events)
	dec := json.NewDecoder(strings.NewReader(d.Text[d.Pos:]))
	dec.DisallowUnknownFields()
	var w wireEvent
	err = dec.Decode(&w)
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return ev, noctuary.Errorf(noctuary.EInvalid, "Event %d is not valid JSON (byte %d): %s.", i, d.Pos+int(syntax.Offset), strings.TrimPrefix(syntax.Error(), "json: ")), false
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return ev, noctuary.Errorf(noctuary.EInvalid, "The body ends in the middle of event %d.", i), false
	}
	start := d.Pos
	d.Pos += int(dec.InputOffset())
	if err == nil && !utf8.ValidString(d.Text[start:d.Pos]) {
		err = invalidUTF8(d.Text[start:d.Pos])
	}
	return w.event(), err, true
}

// checkEvent validates ev at now and, with a retention, refuses an event
// that occurred more than retention before now.
func checkEvent(ev *noctuary.ContextEvent, now time.Time, retention time.Duration) error {
	if err := ev.Validate(now); err != nil {
		return err
	}
	if retention > 0 {
		return ev.CheckRetention(now, retention)
	}
	return nil
}
