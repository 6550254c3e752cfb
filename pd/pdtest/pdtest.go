// Package pdtest is a fake PagerDuty REST API for tests: an httptest server
// that speaks PagerDuty's wire format for the endpoints Noctuary uses (notes,
// acknowledgements, incidents, on-calls, users, abilities), records what it
// receives, and can answer with failures on demand.
package pdtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Note is a note the fake holds.
type Note struct {
	ID         string
	IncidentID string
	Content    string
	From       string
	// Auth is the request's Authorization header.
	Auth      string
	CreatedAt time.Time
}

// Failure is a canned error answer.
type Failure struct {
	Status     int
	RetryAfter string // Retry-After header value, "" for none
}

// User is a PagerDuty user for on-call look-ups.
type User struct {
	ID, Name, Email string
}

// Server is the fake PagerDuty API.
type Server struct {
	*httptest.Server
	// Token is the API key the fake accepts (AddToken accepts more).
	Token string
	// Authorize, when set before the first request, decides instead of
	// Token whether an Authorization header is accepted (e.g. an OAuth
	// app's bearer tokens: Identity.Authorize).
	Authorize func(header string) bool

	mu       sync.Mutex
	notes    []Note
	acks     []string // incident IDs acknowledged, with the From header: "id from"
	failures []Failure
	oncall   map[string][]User // escalation policy ID -> on-call users
	users    []User            // users GET /users finds, besides the on-call ones
	subs     []Subscription    // webhook subscriptions GET /webhook_subscriptions lists
	noteHook func(Note)
	requests int
	// checks counts the requests of GET /abilities (key checks).
	checks int
	// extra are more API keys the fake accepts (AddToken).
	extra map[string]bool
	// perMinute, when set, is PagerDuty's per-key rate limit (EnforceRate),
	// enforced by limits, one a key (Authorization header); limited counts
	// the requests it refused.
	perMinute int
	limits    map[string]*rate.Limiter
	limited   int
	// hidden are the incidents the keys' user may not add notes to (Hide).
	hidden map[string]bool
	// readOnly are the Authorization headers of read-only keys
	// (AddReadOnlyToken).
	readOnly map[string]bool
}

// New starts a fake PagerDuty that accepts token; it is closed at cleanup.
func New(t testing.TB, token string) *Server {
	s := NewUnstarted(token)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// NewUnstarted returns a fake PagerDuty that accepts token, not yet
// listening: a caller outside tests (the load generator) sets its Listener,
// then calls Start, and Close when done.
func NewUnstarted(token string) *Server {
	s := &Server{Token: token, oncall: map[string][]User{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /incidents/{id}/notes", s.createNote)
	mux.HandleFunc("GET /incidents/{id}/notes", s.listNotes)
	mux.HandleFunc("PUT /incidents", s.manageIncidents)
	mux.HandleFunc("GET /incidents/{id}", s.getIncident)
	mux.HandleFunc("GET /oncalls", s.listOncalls)
	mux.HandleFunc("GET /users/{id}", s.getUser)
	mux.HandleFunc("GET /users", s.listUsers)
	mux.HandleFunc("GET /incidents", s.listIncidents)
	mux.HandleFunc("GET /abilities", s.abilities)
	mux.HandleFunc("GET /webhook_subscriptions", s.listSubscriptions)
	s.Server = httptest.NewUnstartedServer(s.guard(mux))
	return s
}

// FailNext makes the next requests answer with the given failures, in order.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f...)
}

// EnforceRate makes the fake refuse requests beyond perMinute a minute per
// API key with 429 (Retry-After: 1), as a token bucket per key that
// refills perMinute a minute and holds a minute's worth: PagerDuty's limit
// of 960 per key.
func (s *Server) EnforceRate(perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perMinute, s.limits = perMinute, map[string]*rate.Limiter{}
}

// AddToken makes the fake accept one more API key, as another REST API key
// of the same account.
func (s *Server) AddToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.extra == nil {
		s.extra = map[string]bool{}
	}
	s.extra["Token token="+token] = true
}

// RemoveToken makes the fake refuse a key AddToken added, as PagerDuty
// refuses a revoked key.
func (s *Server) RemoveToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.extra, "Token token="+token)
}

// AddReadOnlyToken makes the fake accept one more API key, read-only: its
// GET requests are served, any other is answered 403 (PagerDuty's answer
// to a read-only key's write), here with error 2010 (Access Denied).
func (s *Server) AddReadOnlyToken(token string) {
	s.AddToken(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly == nil {
		s.readOnly = map[string]bool{}
	}
	s.readOnly["Token token="+token] = true
}

// Hide makes the incident one that the keys' user may not add notes to (an
// incident of a team it cannot see): a note to it is answered 403 with
// PagerDuty's error 2010 (Access Denied), whatever the key.
func (s *Server) Hide(incidentID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hidden == nil {
		s.hidden = map[string]bool{}
	}
	s.hidden[incidentID] = true
}

// Unhide undoes Hide: notes to the incident are accepted again (its team
// given to the keys' user).
func (s *Server) Unhide(incidentID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.hidden, incidentID)
}

// forbidden reports whether the request adds a note to an incident Hide
// hid, or writes with a read-only key.
func (s *Server) forbidden(r *http.Request) bool {
	rest, ok := strings.CutSuffix(r.URL.Path, "/notes")
	id, _ := strings.CutPrefix(rest, "/incidents/")
	s.mu.Lock()
	defer s.mu.Unlock()
	return (ok && r.Method == http.MethodPost && s.hidden[id]) ||
		(r.Method != http.MethodGet && s.readOnly[r.Header.Get("Authorization")])
}

// limit returns the rate limit of the key of header, nil when none is
// enforced. s.mu must be held.
func (s *Server) limit(header string) *rate.Limiter {
	if s.perMinute == 0 {
		return nil
	}
	l := s.limits[header]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(float64(s.perMinute)/60), s.perMinute)
		s.limits[header] = l
	}
	return l
}

// Limited counts the requests refused by EnforceRate's limit.
func (s *Server) Limited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// ClearFailures drops the canned failures not served yet.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
}

// SetOnCall sets who is on call now for an escalation policy.
func (s *Server) SetOnCall(escalationPolicyID string, users ...User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oncall[escalationPolicyID] = users
}

// OnNote registers a function called with each note after it is stored and
// before the answer is written (a test can block there to simulate a crash
// between PagerDuty accepting the note and Noctuary hearing of it).
func (s *Server) OnNote(f func(Note)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteHook = f
}

// Notes returns the notes of an incident ("" = every incident).
func (s *Server) Notes(incidentID string) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Note
	for _, n := range s.notes {
		if incidentID == "" || n.IncidentID == incidentID {
			out = append(out, n)
		}
	}
	return out
}

// Acks returns the acknowledged incident IDs, each as "<id> <From header>".
func (s *Server) Acks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.acks...)
}

// Requests counts the requests received (failed ones included).
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// KeyChecks counts the GET /abilities requests received (a key's check, as
// Noctuary makes at start-up and before a rotation).
func (s *Server) KeyChecks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checks
}

// guard checks the API key and the Accept header, and serves canned failures.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		if r.URL.Path == "/abilities" {
			s.checks++
		}
		var fail *Failure
		if len(s.failures) > 0 {
			fail = &s.failures[0]
			s.failures = s.failures[1:]
		}
		if lim := s.limit(r.Header.Get("Authorization")); fail == nil && lim != nil && !lim.Allow() {
			s.limited++
			fail = &Failure{Status: http.StatusTooManyRequests, RetryAfter: "1"}
		}
		s.mu.Unlock()
		if !s.authorized(r.Header.Get("Authorization")) {
			writeError(w, http.StatusUnauthorized, 2006, "Unauthorized")
			return
		}
		if fail == nil && s.forbidden(r) {
			writeError(w, http.StatusForbidden, 2010, "Access Denied")
			return
		}
		if fail != nil {
			if fail.RetryAfter != "" {
				w.Header().Set("Retry-After", fail.RetryAfter)
			}
			if fail.Status == http.StatusTooManyRequests {
				writeError(w, fail.Status, 2020, "Rate Limit Exceeded")
				return
			}
			writeError(w, fail.Status, 2000, "Internal Error")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(header string) bool {
	if s.Authorize != nil {
		return s.Authorize(header)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return header == "Token token="+s.Token || s.extra[header]
}

func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": message, "code": code}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func noteJSON(n Note) map[string]any {
	return map[string]any{
		"id": n.ID, "content": n.Content, "created_at": n.CreatedAt.Format(time.RFC3339),
		"user": map[string]any{"id": "PUSER", "type": "user_reference", "summary": n.From},
	}
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Note struct {
			Content string `json:"content"`
		} `json:"note"`
	}
	from := r.Header.Get("From")
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Note.Content == "" {
		writeError(w, http.StatusBadRequest, 2001, "Invalid Input Provided")
		return
	}
	if from == "" {
		writeError(w, http.StatusBadRequest, 2001, "Invalid Input Provided: From header is required")
		return
	}
	s.mu.Lock()
	n := Note{ID: "PNOTE" + strconv.Itoa(len(s.notes)+1), IncidentID: r.PathValue("id"), Content: body.Note.Content, From: from, Auth: r.Header.Get("Authorization"), CreatedAt: time.Now().UTC()}
	s.notes = append(s.notes, n)
	hook := s.noteHook
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"note": noteJSON(n)})
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, n := range s.Notes(r.PathValue("id")) {
		out = append(out, noteJSON(n))
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": out})
}

func (s *Server) manageIncidents(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Incidents []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"incidents"`
	}
	from := r.Header.Get("From")
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || from == "" || len(body.Incidents) == 0 {
		writeError(w, http.StatusBadRequest, 2001, "Invalid Input Provided")
		return
	}
	out := []map[string]any{}
	s.mu.Lock()
	for _, inc := range body.Incidents {
		if inc.Status != "acknowledged" {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, 2001, fmt.Sprintf("the fake only acknowledges, got status %q", inc.Status))
			return
		}
		s.acks = append(s.acks, inc.ID+" "+from)
		out = append(out, map[string]any{"id": inc.ID, "type": "incident", "status": inc.Status})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	writeJSON(w, http.StatusOK, map[string]any{"incident": map[string]any{
		"id": id, "type": "incident", "incident_number": 1, "title": "incident " + id, "status": "triggered",
		"html_url": "https://example.pagerduty.com/incidents/" + id,
		"service":  map[string]any{"id": "PSVC", "type": "service_reference"},
	}})
}

func (s *Server) listOncalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ids := append(q["escalation_policy_ids[]"], q["escalation_policy_ids"]...)
	out := []map[string]any{}
	s.mu.Lock()
	for _, ep := range ids {
		for _, u := range s.oncall[ep] {
			out = append(out, map[string]any{
				"escalation_level":  1,
				"escalation_policy": map[string]any{"id": ep, "type": "escalation_policy_reference"},
				"user":              map[string]any{"id": u.ID, "type": "user", "summary": u.Name, "name": u.Name, "email": u.Email},
			})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"oncalls": out, "limit": 100, "offset": 0, "more": false})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, users := range s.oncall {
		for _, u := range users {
			if u.ID == id {
				writeJSON(w, http.StatusOK, map[string]any{"user": map[string]any{"id": u.ID, "type": "user", "name": u.Name, "email": u.Email}})
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, 2100, "Not Found")
}

// AddUser adds a PagerDuty user that GET /users finds by email.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, u)
}

// listUsers answers GET /users?query=: the users whose email or name holds
// the query.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := strings.ToLower(r.URL.Query().Get("query"))
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.users
	for _, users := range s.oncall {
		all = append(all, users...)
	}
	found := []map[string]any{}
	for _, u := range all {
		if strings.Contains(strings.ToLower(u.Email), q) || strings.Contains(strings.ToLower(u.Name), q) {
			found = append(found, map[string]any{"id": u.ID, "type": "user", "name": u.Name, "email": u.Email})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": found, "limit": 25, "offset": 0, "more": false})
}

// listIncidents answers GET /incidents with an empty page: the key may list
// incidents (what a connection check asks).
func (s *Server) listIncidents(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"incidents": []any{}, "limit": 1, "offset": 0, "more": false})
}

func (s *Server) abilities(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"abilities": []string{"teams", "read_only_users"}})
}

// HasNoteWith reports whether some note of the incident contains substr.
func (s *Server) HasNoteWith(incidentID, substr string) bool {
	for _, n := range s.Notes(incidentID) {
		if strings.Contains(n.Content, substr) {
			return true
		}
	}
	return false
}
