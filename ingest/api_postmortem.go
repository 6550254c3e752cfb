package ingest

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// markdownType is the media type of a postmortem draft's Markdown.
const markdownType = "text/markdown; charset=utf-8"

// getPostmortem answers GET /api/v1/incidents/:id/postmortem: the
// incident's postmortem draft as Markdown, or as JSON (noctuary.Postmortem)
// when the request accepts application/json; 404 with a sentence while
// there is none.
func (s *Server) getPostmortem(c *gin.Context) {
	p, err := s.store.Postmortem(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Vary", "Accept")
	if strings.Contains(c.GetHeader("Accept"), "application/json") {
		c.JSON(http.StatusOK, p)
		return
	}
	c.Data(http.StatusOK, markdownType, []byte(p.Markdown))
}
