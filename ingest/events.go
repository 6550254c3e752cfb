package ingest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// maxDetails caps the per-event errors listed in one answer.
const maxDetails = 100

// postEvents stores a batch of ContextEvents: all of it, or nothing when any
// event is invalid or outside the token's scope. When the store fails part
// way, the answer lists the events not stored (storeBatch).
func (s *Server) postEvents(c *gin.Context) {
	tok, body, err := s.readEvents(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := decodeEvents(body, isNDJSON(c.Request), s.now(), s.retention)
	if err != nil {
		s.metrics.eventsRejected.Add(float64(len(b.events)))
		s.failDetails(c, err, capDetails(b.problems))
		return
	}
	if o, ok := s.storeChecked(c, b, tok); ok {
		writeCounts(c, o, nil, nil)
	}
}

// storeChecked stores b, whose events are decoded and validated, for the
// holder of tok (nil: any service): the rest of the /v1/events rules, shared
// by every source. It answers the request itself unless ok.
func (s *Server) storeChecked(c *gin.Context, b batch, tok *tokenEntry) (o outcome, ok bool) {
	if err := s.resolveServices(c, &b, tok); err != nil {
		s.fail(c, err)
		return o, false
	}
	if len(b.problems) > 0 {
		s.rejectBatch(c, b)
		return o, false
	}
	if !s.takeBudget(c, tok, len(b.events)) {
		return o, false
	}
	if len(b.events) == 0 {
		return o, true
	}
	o = s.storeBatch(c.Request.Context(), b.events)
	s.metrics.eventsAccepted.Add(float64(o.accepted))
	s.metrics.eventsDuplicates.Add(float64(o.duplicates))
	if o.err != nil {
		s.failStore(c, len(b.events), o)
		return o, false
	}
	o.warnings = s.keyCase.warnings(c.Request.Context(), b.events)
	return o, true
}

// readEvents authenticates the request and reads its body.
func (s *Server) readEvents(c *gin.Context) (*tokenEntry, string, error) {
	tok, err := s.bearer(c)
	if err != nil {
		return nil, "", err
	}
	body, err := readLimited(c)
	return tok, body, err
}

// bearer returns the ingest token that the request presents.
func (s *Server) bearer(c *gin.Context) (*tokenEntry, error) {
	if len(s.tokens) == 0 {
		return nil, noctuary.Errorf(noctuary.EUnauthorized, "Ingest tokens are not configured: set NOCTUARY_INGEST_TOKENS or ingest_tokens in the configuration file.")
	}
	return s.tokens.match(c.Request)
}

// readLimited reads the request's body, at most MaxEventsBody bytes. A
// compressed body is refused with a sentence naming it, not read as JSON.
func readLimited(c *gin.Context) (string, error) {
	if enc := c.GetHeader("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return "", noctuary.Errorf(noctuary.EInvalid, "The body is compressed (Content-Encoding: %s); send it uncompressed, as JSON.", truncate(enc, 40))
	}
	if c.Request.ContentLength > MaxEventsBody {
		return "", noctuary.Errorf(noctuary.ETooLarge, "The body is larger than %d MiB; send smaller batches.", MaxEventsBody>>20)
	}
	return readBody(http.MaxBytesReader(c.Writer, c.Request.Body, MaxEventsBody), c.Request.ContentLength)
}

// resolveServices replaces PagerDuty service IDs of declared services by
// their keys, then checks each event against the token's scope.
func (s *Server) resolveServices(c *gin.Context, b *batch, tok *tokenEntry) error {
	invalid := b.problems // in index order
	var scope []itemError
	for i := range b.events {
		if len(invalid) > 0 && invalid[0].Index == i {
			invalid = invalid[1:]
			continue
		}
		ev := &b.events[i]
		key, err := s.services.key(c.Request.Context(), ev.Service)
		if err != nil {
			return err
		}
		ev.Service = key
		if !tok.allows(key) {
			scope = append(scope, itemError{Index: i, Error: fmt.Sprintf("this token may not send events for service %q", key)})
		}
	}
	if len(scope) > 0 {
		b.forbidden = len(scope)
		b.problems = append(b.problems, scope...)
		slices.SortStableFunc(b.problems, func(x, y itemError) int { return x.Index - y.Index })
	}
	return nil
}

// rejectBatch answers 403 when every problem is a scope problem, else 400.
func (s *Server) rejectBatch(c *gin.Context, b batch) {
	s.metrics.eventsRejected.Add(float64(len(b.events)))
	n := len(b.problems)
	code, what := noctuary.EInvalid, "invalid"
	if b.forbidden == n {
		code, what = noctuary.EForbidden, "outside this token's services"
	}
	msg := fmt.Sprintf("%d of %d events are %s; nothing was stored.", n, len(b.events), what)
	if n > maxDetails {
		msg += fmt.Sprintf(" The first %d are listed.", maxDetails)
	}
	s.failDetails(c, noctuary.Errorf(code, "%s", msg), capDetails(b.problems))
}

func capDetails(d []itemError) []itemError {
	if len(d) > maxDetails {
		return d[:maxDetails]
	}
	return d
}

// isNDJSON reports whether the request says its body is NDJSON.
func isNDJSON(r *http.Request) bool {
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	mt = strings.TrimSpace(mt)
	return strings.EqualFold(mt, "application/x-ndjson") || strings.EqualFold(mt, "application/ndjson") ||
		strings.EqualFold(mt, "application/jsonl")
}

// writeCounts answers 202 {"accepted":A,"duplicates":D} without reflection,
// with "unmapped":[…] added when unmapped is not nil (the sources' answer),
// "expired":[…] when expired is not empty, and "warnings":[…] when o has
// some.
func writeCounts(c *gin.Context, o outcome, unmapped, expired []string) {
	buf := make([]byte, 0, 48)
	buf = append(buf, `{"accepted":`...)
	buf = strconv.AppendInt(buf, int64(o.accepted), 10)
	buf = append(buf, `,"duplicates":`...)
	buf = strconv.AppendInt(buf, int64(o.duplicates), 10)
	if unmapped != nil {
		names, _ := json.Marshal(unmapped) // strings always encode
		buf = append(append(buf, `,"unmapped":`...), names...)
	}
	if len(expired) > 0 {
		names, _ := json.Marshal(expired)
		buf = append(append(buf, `,"expired":`...), names...)
	}
	if len(o.warnings) > 0 {
		sentences, _ := json.Marshal(o.warnings)
		buf = append(append(buf, `,"warnings":`...), sentences...)
	}
	buf = append(buf, '}')
	c.Data(http.StatusAccepted, "application/json; charset=utf-8", buf)
}
