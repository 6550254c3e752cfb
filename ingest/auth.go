package ingest

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// tokenSet holds bearer tokens as SHA-256 digests, so that every comparison
// is between equal lengths and takes the same time whatever the guess.
type tokenSet []tokenEntry

type tokenEntry struct {
	digest [sha256.Size]byte
	// scope is the set of service keys the token may write; nil means all.
	scope map[string]bool
}

func newTokenSet(tokens []Token) tokenSet {
	set := make(tokenSet, 0, len(tokens))
	for _, t := range tokens {
		if t.Token.IsZero() {
			continue // an empty token never matches anything
		}
		e := tokenEntry{digest: sha256.Sum256([]byte(t.Token.Reveal()))}
		if len(t.Services) > 0 {
			e.scope = make(map[string]bool, len(t.Services))
			for _, svc := range t.Services {
				e.scope[svc] = true
			}
		}
		set = append(set, e)
	}
	return set
}

// match returns the entry whose token r presents as "Authorization: Bearer
// <token>", comparing against every entry in constant time.
func (set tokenSet) match(r *http.Request) (*tokenEntry, error) {
	h := r.Header.Get("Authorization")
	scheme, presented, ok := strings.Cut(h, " ")
	if h == "" {
		return nil, noctuary.Errorf(noctuary.EUnauthorized, "Authorization header is missing; send Authorization: Bearer <token>.")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || presented == "" {
		return nil, noctuary.Errorf(noctuary.EUnauthorized, "Authorization header must be Bearer <token>.")
	}
	digest := sha256.Sum256([]byte(presented))
	found := -1
	for i := range set {
		if subtle.ConstantTimeCompare(digest[:], set[i].digest[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, noctuary.Errorf(noctuary.EUnauthorized, "The bearer token is not valid.")
	}
	return &set[found], nil
}

// allows reports whether the token may write events of service key svc; a
// nil entry (a source that authenticates by its own means) may write any.
func (e *tokenEntry) allows(svc string) bool {
	return e == nil || e.scope == nil || e.scope[svc]
}

// requireAdmin guards the admin API with the admin token.
func (s *Server) requireAdmin(c *gin.Context) {
	if s.adminKey == nil {
		s.fail(c, noctuary.Errorf(noctuary.ENotFound, "The admin API is off: set NOCTUARY_ADMIN_TOKEN."))
		return
	}
	if _, err := s.adminKey.match(c.Request); err != nil {
		s.fail(c, err)
		return
	}
	c.Next()
}
