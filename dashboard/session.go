package dashboard

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Cookies and lifetimes of sign-in.
const (
	sessionCookie = "noctuary_session"
	// signInCookie carries the sign-in form's own CSRF token (a double
	// submit: there is no session yet to hold it).
	signInCookie = "noctuary_signin"
	sessionTTL   = 12 * time.Hour
	signInTTL    = 30 * time.Minute
	// maxForm bounds a form's body.
	maxForm = 64 << 10
)

// session is a signed-in admin's session.
type session struct {
	id   string
	csrf string
}

// handlerFunc is a page or form handler of a signed-in admin.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session)

// auth runs h for a signed-in admin. Without a session a page sends to the
// sign-in page, anything else is refused (401); a POST must carry the
// session's CSRF token in its form (403 otherwise).
func (d *Dashboard) auth(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := d.session(r)
		switch {
		case noctuary.ErrorCode(err) == noctuary.ENotFound && r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, ".ndjson"):
			http.Redirect(w, r, "/dashboard/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case noctuary.ErrorCode(err) == noctuary.ENotFound:
			d.renderError(w, r, nil, noctuary.Errorf(noctuary.EUnauthorized, "Sign in first: this needs a dashboard session (it may have ended)."))
			return
		case err != nil:
			d.renderError(w, r, nil, err)
			return
		}
		if r.Method == http.MethodPost {
			if err := d.readForm(w, r); err != nil {
				d.renderError(w, r, s, err)
				return
			}
			if !equal(r.PostForm.Get("csrf"), s.csrf) {
				d.renderError(w, r, s, noctuary.Errorf(noctuary.EForbidden, "The form's security token is missing or stale, so nothing was changed: reload the page and send the form again."))
				return
			}
		}
		h(w, r, s)
	})
}

// readForm parses a POST's form, at most maxForm bytes.
func (d *Dashboard) readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return noctuary.Errorf(noctuary.EInvalid, "The form could not be read (it must be under %d KiB of form fields).", maxForm>>10)
	}
	return nil
}

// session returns the request's session; ENotFound without a live one.
func (d *Dashboard) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, noctuary.Errorf(noctuary.ENotFound, "no session")
	}
	csrf, err := d.opt.Store.Session(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	return &session{id: c.Value, csrf: csrf}, nil
}

// equal compares two tokens in constant time (of their digests, so that
// the time tells nothing of the length either).
func equal(presented, want string) bool {
	a, b := sha256.Sum256([]byte(presented)), sha256.Sum256([]byte(want))
	return presented != "" && want != "" && subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// token returns 32 random bytes, base64url.
func token() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookie is one of the dashboard's cookies: HttpOnly, SameSite=Strict, and
// Secure when the public URL is https; a negative ttl deletes it.
func (d *Dashboard) cookie(name, value string, ttl time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(ttl / time.Second), HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: d.secure}
	if ttl < 0 {
		c.MaxAge = -1
	}
	return c
}

// signInData is the sign-in page's data.
type signInData struct {
	Token string
	Next  string
}

// signInPage shows the sign-in form with its CSRF token.
func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	if s, err := d.session(r); err == nil && s != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d.showSignIn(w, r, http.StatusOK, "")
}

func (d *Dashboard) showSignIn(w http.ResponseWriter, r *http.Request, status int, problem string) {
	t := token()
	http.SetCookie(w, d.cookie(signInCookie, t, signInTTL))
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	d.render(w, r, status, "signin", view{Title: "Sign in", Error: problem, Data: signInData{Token: t, Next: safeNext(next)}})
}

// safeNext is where to go after signing in: a dashboard page of this
// site (next comes from the form: untrusted), the incidents otherwise.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(next, "/dashboard/") ||
		strings.HasPrefix(next, "/dashboard/sign-") || strings.ContainsAny(next, "\\\r\n") {
		return "/dashboard/incidents"
	}
	return next
}

// signIn checks the admin token, within the client's sign-in budget, and
// starts a session. A failed attempt is answered late.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	if err := d.readForm(w, r); err != nil {
		d.showSignIn(w, r, http.StatusBadRequest, noctuary.ErrorMessage(err))
		return
	}
	c, err := r.Cookie(signInCookie)
	if err != nil || !equal(r.PostForm.Get("signin"), c.Value) {
		d.showSignIn(w, r, http.StatusForbidden, "The sign-in form was stale (or cookies are off): it has been reloaded, sign in again.")
		return
	}
	wait, err := d.opt.Store.Reserve(r.Context(), "dashboard-signin:"+clientIP(r), d.opt.SignInsPerMinute, d.opt.SignInBurst)
	switch {
	case err != nil:
		d.showSignIn(w, r, noctuary.HTTPStatus(noctuary.ErrorCode(err)), "Signing in is not possible now: the store is unavailable. Try again in a moment.")
		return
	case wait > 0:
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		d.showSignIn(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many sign-in attempts from your address: wait %d seconds and try again.", int(wait.Seconds())+1))
		return
	}
	if !equal(strings.TrimSpace(r.PostForm.Get("token")), d.opt.AdminToken.Reveal()) {
		d.opt.Logger.LogAttrs(r.Context(), slog.LevelWarn, "dashboard sign-in refused: not the admin token", slog.String("client", clientIP(r)))
		select {
		case <-time.After(d.opt.FailedSignInDelay):
		case <-r.Context().Done():
		}
		d.showSignIn(w, r, http.StatusUnauthorized, "That is not the admin token (NOCTUARY_ADMIN_TOKEN). Try again.")
		return
	}
	s := session{id: token(), csrf: token()}
	if err := d.opt.Store.PutSession(r.Context(), s.id, s.csrf, sessionTTL); err != nil {
		d.showSignIn(w, r, noctuary.HTTPStatus(noctuary.ErrorCode(err)), "Signing in is not possible now: the store is unavailable. Try again in a moment.")
		return
	}
	d.audit(r, "dashboard.sign_in")
	http.SetCookie(w, d.cookie(sessionCookie, s.id, sessionTTL))
	http.SetCookie(w, d.cookie(signInCookie, "", -1))
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// signOut ends the session.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if err := d.opt.Store.DeleteSession(r.Context(), s.id); err != nil {
		d.renderError(w, r, s, err)
		return
	}
	d.audit(r, "dashboard.sign_out")
	http.SetCookie(w, d.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/dashboard/sign-in", http.StatusSeeOther)
}

// audit records a sign-in or sign-out with the client's address; a failure
// is only logged (the session itself is in place or gone).
func (d *Dashboard) audit(r *http.Request, action string) {
	e := noctuary.AuditEntry{Time: d.opt.Now(), Actor: Actor, Action: action, Result: "ok", Details: map[string]string{"client": clientIP(r)}}
	if _, err := d.opt.Store.Audit(r.Context(), e); err != nil {
		d.opt.Logger.LogAttrs(r.Context(), slog.LevelWarn, "the dashboard's audit entry was not written", slog.String("action", action), slog.Any("error", err))
	}
}

// clientIP is the address the request came from: the connection's, never
// a header a client could write (behind a proxy every client shares the
// proxy's budget).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
