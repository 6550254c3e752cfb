package ingest

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// Reviewer builds the rollout review and renders it (package review
// satisfies it).
type Reviewer interface {
	Review(ctx context.Context) (noctuary.Review, error)
	Markdown(r noctuary.Review) string
}

// getReview answers GET /api/v1/review: the rollout review, as Markdown, or
// as JSON when the request accepts application/json.
func (s *Server) getReview(c *gin.Context) {
	if s.review == nil {
		s.fail(c, noctuary.Errorf(noctuary.ENotFound, "The rollout review is not available on this server."))
		return
	}
	r, err := s.review.Review(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	if strings.Contains(c.GetHeader("Accept"), "application/json") {
		c.JSON(http.StatusOK, r)
		return
	}
	c.Data(http.StatusOK, "text/markdown; charset=utf-8", []byte(s.review.Markdown(r)))
}
