package pd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

const (
	testToken = "u+pd-TOKEN-0123456789abcdef"
	testFrom  = "noctuary@example.com"
	pdAccept  = "application/vnd.pagerduty+json;version=2"
)

// recorded is one request the fake received.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
}

// fakeReply is a scripted answer. With landed, the request is first served
// normally (it takes effect) and then answered with this reply.
type fakeReply struct {
	status int
	header map[string]string
	body   string
	landed bool
}

// fakePD is a PagerDuty REST API speaking the real wire format.
type fakePD struct {
	*httptest.Server
	mu        sync.Mutex
	requests  []recorded
	script    map[string][]fakeReply // "METHOD /path" -> replies, used in order
	notes     map[string][]map[string]any
	acks      []map[string]any
	incidents map[string]string // id -> JSON of the REST incident
	users     map[string]string // id -> JSON of the user
	oncalls   string            // JSON array of on-calls
}

func newFakePD(t *testing.T) *fakePD {
	f := &fakePD{script: map[string][]fakeReply{}, notes: map[string][]map[string]any{},
		incidents: map[string]string{}, users: map[string]string{}, oncalls: "[]"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /incidents/{id}/notes", f.createNote)
	mux.HandleFunc("GET /incidents/{id}/notes", f.listNotes)
	mux.HandleFunc("PUT /incidents", f.manageIncidents)
	mux.HandleFunc("GET /incidents/{id}", f.getIncident)
	mux.HandleFunc("GET /oncalls", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"oncalls":`+f.oncalls+`,"limit":100,"offset":0,"more":false,"total":null}`)
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.object(w, "user", f.users[r.PathValue("id")])
	})
	mux.HandleFunc("GET /abilities", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"abilities":["sso","teams"]}`)
	})
	f.Server = httptest.NewServer(f.handler(mux))
	t.Cleanup(f.Close)
	return f
}

// fail scripts replies for "METHOD /path".
func (f *fakePD) fail(route string, replies ...fakeReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[route] = append(f.script[route], replies...)
}

func (f *fakePD) handler(mux http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.Header.Get("Authorization") != "Token token="+testToken {
			writeJSON(w, 401, `{"error":{"message":"Unauthorized","code":2006}}`)
			return
		}
		if r.Header.Get("Accept") != pdAccept {
			writeJSON(w, 406, `{"error":{"message":"Not Acceptable","code":2001}}`)
			return
		}
		reply, ok := f.next(r.Method + " " + r.URL.Path)
		if !ok {
			mux.ServeHTTP(w, r)
			return
		}
		if reply.landed {
			mux.ServeHTTP(httptest.NewRecorder(), r)
		}
		for k, v := range reply.header {
			w.Header().Set(k, v)
		}
		writeJSON(w, reply.status, reply.body)
	}
}

func (f *fakePD) next(route string) (fakeReply, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.script[route]
	if len(q) == 0 {
		return fakeReply{}, false
	}
	f.script[route] = q[1:]
	return q[0], true
}

func (f *fakePD) createNote(w http.ResponseWriter, r *http.Request) {
	from := r.Header.Get("From")
	if from == "" {
		writeJSON(w, 400, `{"error":{"message":"You must specify a user's email address in the \"From\" header","code":2001}}`)
		return
	}
	var req struct {
		Note struct {
			Content string `json:"content"`
		} `json:"note"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Note.Content == "" {
		writeJSON(w, 400, `{"error":{"message":"Invalid Input Provided","code":2001,"errors":["Note content is required."]}}`)
		return
	}
	f.mu.Lock()
	id := r.PathValue("id")
	note := map[string]any{"id": fmt.Sprintf("PNOTE%d", len(f.notes[id])+1), "content": req.Note.Content,
		"created_at": "2026-11-23T02:15:03Z", "channel": map[string]any{"summary": "The PagerDuty REST API"},
		"user": map[string]any{"id": "PUSER1", "type": "user_reference", "summary": from}}
	f.notes[id] = append(f.notes[id], note)
	f.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"note": note})
	writeJSON(w, 201, string(b))
}

func (f *fakePD) listNotes(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	notes := f.notes[r.PathValue("id")]
	if notes == nil {
		notes = []map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"notes": notes})
	f.mu.Unlock()
	writeJSON(w, 200, string(b))
}

func (f *fakePD) manageIncidents(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Incidents []map[string]any `json:"incidents"`
	}
	if r.Header.Get("From") == "" || json.NewDecoder(r.Body).Decode(&req) != nil {
		writeJSON(w, 400, `{"error":{"message":"Invalid Input Provided","code":2001}}`)
		return
	}
	f.mu.Lock()
	f.acks = append(f.acks, req.Incidents...)
	f.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"incidents": req.Incidents})
	writeJSON(w, 200, string(b))
}

func (f *fakePD) getIncident(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	in := f.incidents[r.PathValue("id")]
	f.mu.Unlock()
	f.object(w, "incident", in)
}

// object answers {"<name>": obj}, or PagerDuty's 404 when obj is "".
func (f *fakePD) object(w http.ResponseWriter, name, obj string) {
	if obj == "" {
		writeJSON(w, 404, `{"error":{"message":"Not Found","code":2100}}`)
		return
	}
	writeJSON(w, 200, `{"`+name+`":`+obj+`}`)
}

func (f *fakePD) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func (f *fakePD) noteCount(incident string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.notes[incident])
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
