package ingest

import (
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// errorBody is every error response: a sentence, a machine code and, for
// rejected event batches, one entry per bad event.
type errorBody struct {
	Error   string      `json:"error"`
	Code    string      `json:"code"`
	Details []itemError `json:"details,omitempty"`
	// Components is /readyz's report of each part, when the store is down.
	Components map[string]componentStatus `json:"components,omitempty"`
}

// itemError is one bad event of a batch, by its 0-based position.
type itemError struct {
	Index int    `json:"index"`
	Error string `json:"error"`
}

// fail answers err as JSON with the status of its code. Internal and
// unavailable errors are logged with their cause; users see the sentence only.
func (s *Server) fail(c *gin.Context, err error) {
	s.failDetails(c, err, nil)
}

func (s *Server) failDetails(c *gin.Context, err error, details []itemError) {
	s.logFault(c, err)
	code := noctuary.ErrorCode(err)
	writeError(c, noctuary.HTTPStatus(code), code, noctuary.ErrorMessage(err), details)
}

// logFault logs err with its cause when it is ours (internal, unavailable).
func (s *Server) logFault(c *gin.Context, err error) {
	switch noctuary.ErrorCode(err) {
	case noctuary.EInternal:
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "request failed", slog.String("route", c.FullPath()), slog.Any("error", err))
	case noctuary.EUnavailable:
		s.log.LogAttrs(c.Request.Context(), slog.LevelWarn, "answered 503: a dependency is unavailable", slog.String("route", c.FullPath()), slog.Any("error", err))
	}
}

func writeError(c *gin.Context, status int, code, message string, details []itemError) {
	c.AbortWithStatusJSON(status, errorBody{Error: message, Code: code, Details: details})
}
