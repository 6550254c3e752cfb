package sources

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// GitHub translates GitHub webhooks
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads):
// deployment and a successful deployment_status are a deploy (one event per
// deployment, with sha, environment and creator), a failed or errored
// deployment_status a failure signal, a published release a release and a
// push to the default branch a push. ping is answered; other events and
// actions are acknowledged and left out.
type GitHub struct {
	// Secret is the webhook's secret; every delivery must carry its
	// X-Hub-Signature-256. Zero turns the endpoint off.
	Secret noctuary.Secret
	// Repositories maps "owner/name", in lower case, to a service key.
	Repositories map[string]string
}

// ghPayload is the part of the events' payloads that is used.
type ghPayload struct {
	Action     string `json:"action"`
	Repository *struct {
		FullName      string          `json:"full_name"`
		HTMLURL       string          `json:"html_url"`
		DefaultBranch string          `json:"default_branch"`
		PushedAt      json.RawMessage `json:"pushed_at"` // seconds in push payloads, else a timestamp
	} `json:"repository"`
	Deployment *struct {
		ID          int64   `json:"id"`
		SHA         string  `json:"sha"`
		Ref         string  `json:"ref"`
		Environment string  `json:"environment"`
		Description string  `json:"description"`
		CreatedAt   string  `json:"created_at"`
		Creator     ghLogin `json:"creator"`
	} `json:"deployment"`
	DeploymentStatus *struct {
		ID             int64  `json:"id"`
		State          string `json:"state"`
		Description    string `json:"description"`
		LogURL         string `json:"log_url"`
		TargetURL      string `json:"target_url"`
		EnvironmentURL string `json:"environment_url"`
		CreatedAt      string `json:"created_at"`
	} `json:"deployment_status"`
	Release *struct {
		ID          int64   `json:"id"`
		TagName     string  `json:"tag_name"`
		Name        string  `json:"name"`
		Target      string  `json:"target_commitish"`
		HTMLURL     string  `json:"html_url"`
		Prerelease  bool    `json:"prerelease"`
		PublishedAt string  `json:"published_at"`
		Author      ghLogin `json:"author"`
	} `json:"release"`
	// push
	Ref     string `json:"ref"`
	Before  string `json:"before"`
	After   string `json:"after"`
	Deleted bool   `json:"deleted"`
	Compare string `json:"compare"`
	Pusher  struct {
		Name string `json:"name"`
	} `json:"pusher"`
	HeadCommit *struct {
		Message   string `json:"message"`
		Timestamp string `json:"timestamp"`
	} `json:"head_commit"`
	Commits []json.RawMessage `json:"commits"`
}

type ghLogin struct {
	Login string `json:"login"`
}

// noSHA is the all-zero sha of a push that creates or deletes a ref.
const noSHA = "0000000000000000000000000000000000000000"

// Translate implements ingest.Translator.
func (g GitHub) Translate(h http.Header, body []byte) (Result, error) {
	if err := g.verify(h, body); err != nil {
		return Result{}, err
	}
	event := h.Get("X-GitHub-Event")
	if event == "" {
		return Result{}, noctuary.Errorf(noctuary.EInvalid, "X-GitHub-Event is missing; this endpoint takes GitHub webhooks.")
	}
	if bytes.HasPrefix(body, []byte("payload=")) {
		return Result{}, noctuary.Errorf(noctuary.EInvalid, "The body is form-encoded; set the webhook's Content type to application/json.")
	}
	var p ghPayload
	if err := decodeJSON(body, "GitHub "+Clip(event, 40), &p); err != nil {
		return Result{}, err
	}
	res := newResult()
	if p.Repository == nil {
		return res, nil // an organization's or an app's event: no repository, nothing to map
	}
	ev, err := p.event(event)
	if err != nil || (ev == nil && event != "ping") {
		return res, err
	}
	repo := p.Repository.FullName
	svc, ok := ServiceKey(g.Repositories[strings.ToLower(repo)])
	if !ok { // a ping names an unmapped repository too, to help setting up
		res.Unmapped = append(res.Unmapped, "repository "+Clip(repo, 200))
		return res, nil
	}
	if ev == nil {
		return res, nil
	}
	ev.Service = svc
	ev.Source = "github"
	ev.Attributes["repository"] = Clip(repo, noctuary.MaxAttributeValueLen)
	res.Events = append(res.Events, *ev)
	return res, nil
}

// verify checks X-Hub-Signature-256, the HMAC-SHA256 of the body under the
// secret, in constant time.
func (g GitHub) verify(h http.Header, body []byte) error {
	if g.Secret.IsZero() {
		return noctuary.Errorf(noctuary.ENotFound, "The GitHub source is off: set sources.github.secret in the configuration file.")
	}
	sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
	if !ok {
		return noctuary.Errorf(noctuary.EUnauthorized, "X-Hub-Signature-256 is missing; set the webhook's secret in GitHub to sources.github.secret.")
	}
	got, err := hex.DecodeString(sig)
	mac := hmac.New(sha256.New, []byte(g.Secret.Reveal()))
	mac.Write(body)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return noctuary.Errorf(noctuary.EUnauthorized, "X-Hub-Signature-256 does not match the body; the webhook's secret must equal sources.github.secret.")
	}
	return nil
}

// event translates the payload of event; nil is an event that is left out
// (ping, another action, a push elsewhere than the default branch).
func (p *ghPayload) event(event string) (*noctuary.ContextEvent, error) {
	switch {
	case event == "deployment" && p.Action == "created" && p.Deployment != nil:
		return p.deployment()
	case event == "deployment_status" && p.Deployment != nil && p.DeploymentStatus != nil:
		return p.deploymentStatus()
	case event == "release" && (p.Action == "published" || p.Action == "released") && p.Release != nil:
		return p.release()
	case event == "push" && !p.Deleted && p.Ref == "refs/heads/"+p.Repository.DefaultBranch:
		return p.push()
	}
	return nil, nil
}

// deployment is the deploy of a deployment, when it is created. Its success
// status has the same ID, so a deployment is one deploy whichever comes.
func (p *ghPayload) deployment() (*noctuary.ContextEvent, error) {
	d := p.Deployment
	at, err := fieldTime("deployment.created_at", d.CreatedAt)
	if err != nil {
		return nil, err
	}
	return &noctuary.ContextEvent{
		ID:         "github:deployment:" + strconv.FormatInt(d.ID, 10),
		Kind:       "deploy",
		OccurredAt: at,
		Summary:    summary(fmt.Sprintf("%s: deployment of %s to %s by %s", p.Repository.FullName, short(d.SHA), d.Environment, d.Creator.Login), d.Description),
		Attributes: p.deployAttributes(),
		Link:       p.commitURL(d.SHA),
	}, nil
}

// deploymentStatus is a deploy on success, a failure signal on failure or
// error, and nothing for the other states (queued, in_progress, inactive…).
func (p *ghPayload) deploymentStatus() (*noctuary.ContextEvent, error) {
	d, s := p.Deployment, p.DeploymentStatus
	if s.State != "success" && s.State != "failure" && s.State != "error" {
		return nil, nil
	}
	at, err := fieldTime("deployment_status.created_at", s.CreatedAt)
	if err != nil {
		return nil, err
	}
	ev := &noctuary.ContextEvent{
		ID:         "github:deployment:" + strconv.FormatInt(d.ID, 10),
		Kind:       "deploy",
		OccurredAt: at,
		Summary:    summary(fmt.Sprintf("%s: %s deployed to %s by %s", p.Repository.FullName, short(d.SHA), d.Environment, d.Creator.Login), s.Description),
		Attributes: p.deployAttributes(),
		Link:       firstURL(s.LogURL, s.TargetURL, s.EnvironmentURL, p.commitURL(d.SHA)),
	}
	if s.State != "success" {
		ev.ID += ":" + s.State
		ev.Kind = "deployment_" + s.State // a failure signal (agent.KindClasses)
		ev.Summary = summary(fmt.Sprintf("%s: deployment of %s to %s ended in %s", p.Repository.FullName, short(d.SHA), d.Environment, s.State), s.Description)
		ev.Attributes["state"] = s.State
	}
	return ev, nil
}

// deployAttributes are a deployment's sha, environment, creator, ref and ID.
func (p *ghPayload) deployAttributes() map[string]string {
	d := p.Deployment
	return attrs("sha", d.SHA, "environment", d.Environment, "creator", d.Creator.Login, "ref", d.Ref,
		"deployment_id", strconv.FormatInt(d.ID, 10))
}

// release is a published release.
func (p *ghPayload) release() (*noctuary.ContextEvent, error) {
	r := p.Release
	at, err := fieldTime("release.published_at", r.PublishedAt)
	if err != nil {
		return nil, err
	}
	return &noctuary.ContextEvent{
		ID:         "github:release:" + strconv.FormatInt(r.ID, 10),
		Kind:       "release",
		OccurredAt: at,
		Summary:    summary(fmt.Sprintf("%s: release %s published by %s", p.Repository.FullName, r.TagName, r.Author.Login), r.Name),
		Attributes: attrs("tag", r.TagName, "target", r.Target, "author", r.Author.Login, "prerelease", strconv.FormatBool(r.Prerelease)),
		Link:       firstURL(r.HTMLURL),
	}, nil
}

// push is a push to the default branch, dated by the repository's pushed_at.
func (p *ghPayload) push() (*noctuary.ContextEvent, error) {
	at, err := p.pushedAt()
	if err != nil {
		return nil, err
	}
	before := p.Before
	if before == noSHA {
		before = ""
	}
	msg := ""
	if p.HeadCommit != nil {
		msg, _, _ = strings.Cut(p.HeadCommit.Message, "\n")
	}
	return &noctuary.ContextEvent{
		ID:         "github:push:" + hashID(p.Repository.FullName, p.Ref, p.Before, p.After),
		Kind:       "push",
		OccurredAt: at,
		Summary:    summary(fmt.Sprintf("%s: %s pushed %d commit(s) to %s, head %s", p.Repository.FullName, p.Pusher.Name, len(p.Commits), p.Repository.DefaultBranch, short(p.After)), msg),
		Attributes: attrs("sha", p.After, "previous_sha", before, "ref", p.Ref, "pusher", p.Pusher.Name, "commits", strconv.Itoa(len(p.Commits))),
		Link:       firstURL(p.Compare),
	}, nil
}

// pushedAt is the time of a push: the repository's pushed_at (Unix seconds in
// push payloads), else the head commit's timestamp.
func (p *ghPayload) pushedAt() (time.Time, error) {
	if secs, err := strconv.ParseInt(string(p.Repository.PushedAt), 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	var s string
	if json.Unmarshal(p.Repository.PushedAt, &s) == nil && s != "" {
		return fieldTime("repository.pushed_at", s)
	}
	if p.HeadCommit != nil {
		return fieldTime("head_commit.timestamp", p.HeadCommit.Timestamp)
	}
	return time.Time{}, noctuary.Errorf(noctuary.EInvalid, "repository.pushed_at is missing")
}

// commitURL links the commit sha of the repository, or "".
func (p *ghPayload) commitURL(sha string) string {
	if sha == "" {
		return ""
	}
	return firstURL(strings.TrimSuffix(p.Repository.HTMLURL, "/") + "/commit/" + sha)
}

// summary is what, then ": " and detail when there is one, within the
// summary's limit.
func summary(what, detail string) string {
	if detail = strings.TrimSpace(detail); detail != "" {
		what += ": " + detail
	}
	return Clip(what, noctuary.MaxSummaryLen)
}

// short is the 7-character form of a sha (cut on a character boundary
// whatever the sender put there).
func short(sha string) string {
	i := min(len(sha), 7)
	for i < len(sha) && i > 0 && !utf8.RuneStart(sha[i]) {
		i--
	}
	return sha[:i]
}
