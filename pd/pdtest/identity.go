package pdtest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TokenRequest is a client-credentials request the fake identity service
// received.
type TokenRequest struct {
	GrantType, ClientID, Scope string
	// SecretOK says whether the client secret was the right one (the
	// secret itself is not kept).
	SecretOK bool
}

// Identity is a fake of PagerDuty's identity service: POST /oauth/token
// speaks the client-credentials grant as PagerDuty documents it (form
// fields grant_type, client_id, client_secret, scope; a JSON answer of
// access_token, scope, token_type "bearer" and expires_in) and issues
// tokens that expire by its clock.
type Identity struct {
	*httptest.Server
	// ClientID and Secret are the app's credentials.
	ClientID, Secret string
	// TTL is the lifetime of the tokens it issues (PagerDuty's: a day).
	TTL time.Duration
	// Now is its clock (default time.Now); set it before the first request.
	Now func() time.Time
	// Grant, when set, is the scope answered instead of the one asked for.
	Grant string

	mu       sync.Mutex
	requests []TokenRequest
	expiry   map[string]time.Time // access token -> expiry
}

// NewIdentity starts a fake identity service for the app clientID/secret;
// it is closed at cleanup.
func NewIdentity(t testing.TB, clientID, secret string) *Identity {
	id := &Identity{ClientID: clientID, Secret: secret, TTL: 24 * time.Hour, expiry: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", id.token)
	id.Server = httptest.NewServer(mux)
	t.Cleanup(id.Close)
	return id
}

// TokenURL is the fake's token endpoint.
func (id *Identity) TokenURL() string { return id.URL + "/oauth/token" }

func (id *Identity) now() time.Time {
	if id.Now != nil {
		return id.Now()
	}
	return time.Now()
}

func (id *Identity) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	req := TokenRequest{GrantType: r.PostForm.Get("grant_type"), ClientID: r.PostForm.Get("client_id"),
		Scope: r.PostForm.Get("scope"), SecretOK: r.PostForm.Get("client_secret") == id.Secret}
	id.mu.Lock()
	defer id.mu.Unlock()
	id.requests = append(id.requests, req)
	switch {
	case req.GrantType != "client_credentials":
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	case req.ClientID != id.ClientID || !req.SecretOK:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	case !strings.HasPrefix(req.Scope, "as_account-"):
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_scope"})
		return
	}
	access := "pdus+_token-" + strconv.Itoa(len(id.requests))
	id.expiry[access] = id.now().Add(id.TTL)
	scope := req.Scope
	if id.Grant != "" {
		scope = id.Grant
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "scope": scope, "token_type": "bearer",
		"expires_in": int(id.TTL / time.Second)})
}

// Requests returns the token requests received, in order.
func (id *Identity) Requests() []TokenRequest {
	id.mu.Lock()
	defer id.mu.Unlock()
	return append([]TokenRequest(nil), id.requests...)
}

// Authorize accepts "Bearer <token>" for a token it issued that has not
// expired by its clock: set it as Server.Authorize.
func (id *Identity) Authorize(header string) bool {
	tok, ok := strings.CutPrefix(header, "Bearer ")
	id.mu.Lock()
	defer id.mu.Unlock()
	exp, issued := id.expiry[tok]
	return ok && issued && id.now().Before(exp)
}
