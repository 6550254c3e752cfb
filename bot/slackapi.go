package bot

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

// Scopes are the bot token scopes the code uses, each next to its calls;
// app-manifest.yaml must declare every one (a test checks).
var Scopes = []string{
	scopeChatWrite, scopeChatWritePublic, scopeCommands, scopeUsersRead, scopeUsersReadEmail, scopeUsergroupsRead,
	scopeAppMentionsRead,
}

const (
	scopeChatWrite       = "chat:write"        // chat.postMessage, chat.update (mirror.go)
	scopeChatWritePublic = "chat:write.public" // chat.postMessage to public channels the bot has not joined
	scopeCommands        = "commands"          // the /noctuary slash command (commands.go)
	scopeUsersRead       = "users:read"        // users.info (Directory.UserEmail)
	scopeUsersReadEmail  = "users:read.email"  // users.info's profile.email (Directory.UserEmail)
	scopeUsergroupsRead  = "usergroups:read"   // usergroups.users.list (Directory.UserGroupMembers)
	scopeAppMentionsRead = "app_mentions:read" // the app_mention event (events.go)
)

// SlashCommand is the slash command the bot serves (declared in the manifest).
const SlashCommand = "/noctuary"

// Rate-limit handling: a 429 is retried after its Retry-After, a few times.
const (
	rateLimitAttempts = 4
	maxRetryAfter     = 2 * time.Minute
)

// Bounds of one Web API call (CallTimeout).
const (
	maxCallTimeout = 10 * time.Second
	minCallTimeout = time.Second
)

// CallTimeout bounds each Web API call of a job whose lease is claimIdle:
// half of it, between 1 s and 10 s, so that a hanging Slack fails the call
// well before another worker may take the job.
func CallTimeout(claimIdle time.Duration) time.Duration {
	if claimIdle <= 0 {
		return maxCallTimeout
	}
	return min(max(claimIdle/2, minCallTimeout), maxCallTimeout)
}

// Directory looks Slack users and user groups up for the approvals service.
type Directory struct {
	api  *slack.Client
	http *http.Client
	wait func(ctx context.Context, d time.Duration) error
}

// NewDirectory returns a Directory calling the Web API at apiURL (""
// means DefaultAPIURL; a missing trailing slash is added, as slack-go appends
// method names to it) with the bot token, each call bounded by timeout (0:
// 10 s).
func NewDirectory(botToken noctuary.Secret, apiURL string, timeout time.Duration) *Directory {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	hc := &http.Client{Timeout: cmp.Or(timeout, maxCallTimeout)}
	return &Directory{api: slack.New(botToken.Reveal(), slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(hc)), http: hc, wait: sleep}
}

// UserGroupMembers returns the user IDs of the members of a user group
// (usergroups.users.list).
func (d *Directory) UserGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	var members []string
	err := d.call(ctx, func() (err error) {
		members, err = d.api.GetUserGroupMembersContext(ctx, groupID)
		return err
	})
	if err != nil {
		return nil, noctuary.Wrap(err, noctuary.EUnavailable, "Slack did not list the members of user group "+groupID)
	}
	return members, nil
}

// UserEmail returns the email address of a Slack user (users.info); "" when
// the profile shows none.
func (d *Directory) UserEmail(ctx context.Context, userID string) (string, error) {
	var u *slack.User
	err := d.call(ctx, func() (err error) {
		u, err = d.api.GetUserInfoContext(ctx, userID)
		return err
	})
	if err != nil {
		return "", noctuary.Wrap(err, noctuary.EUnavailable, "Slack did not tell who user "+userID+" is")
	}
	return u.Profile.Email, nil
}

// call runs f, and again after Slack's Retry-After while Slack answers 429.
func (d *Directory) call(ctx context.Context, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt == rateLimitAttempts {
			return err
		}
		if err := d.wait(ctx, min(rl.RetryAfter, maxRetryAfter)); err != nil {
			return err
		}
	}
}
