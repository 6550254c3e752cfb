package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/noctuary/noctuary"
	"go.yaml.in/yaml/v3"
)

// The raw types mirror the file (docs/architecture.md, "Configuration") as written: nothing is defaulted
// or checked yet. loader turns them into the validated noctuary types.
type rawFile struct {
	Integrations []at[rawIntegration] `yaml:"integrations"`
	Services     []at[rawService]     `yaml:"services"`
	IngestTokens []at[rawIngestToken] `yaml:"ingest_tokens"`
	Slack        rawSlack             `yaml:"slack"`
	Sources      rawSources           `yaml:"sources"`
	Settings     map[string]text      `yaml:"settings"`
}

type rawIntegration struct {
	ID             text `yaml:"id"`
	Environment    text `yaml:"environment"`
	Direction      text `yaml:"direction"`
	PagerDutyToken text `yaml:"pagerduty_token"`
	// PagerDutyExtraTokens are more REST API keys, each its own budget.
	PagerDutyExtraTokens []text       `yaml:"pagerduty_extra_tokens"`
	WebhookSecret        text         `yaml:"webhook_secret"`
	From                 text         `yaml:"from"`
	APIURL               text         `yaml:"api_url"`
	OAuth                at[rawOAuth] `yaml:"oauth"`
}

// rawOAuth is an integration's scoped OAuth app.
type rawOAuth struct {
	ClientID     text `yaml:"client_id"`
	ClientSecret text `yaml:"client_secret"`
	Region       text `yaml:"region"`
	Subdomain    text `yaml:"subdomain"`
	TokenURL     text `yaml:"token_url"`
}

type rawService struct {
	Key                 text            `yaml:"key"`
	Environment         text            `yaml:"environment"`
	PagerDutyServiceIDs []text          `yaml:"pagerduty_service_ids"`
	Enabled             at[bool]        `yaml:"enabled"`
	Mode                text            `yaml:"mode"`
	SlackChannel        text            `yaml:"slack_channel"`
	Approvers           []text          `yaml:"approvers"`
	ApproveOncall       at[bool]        `yaml:"approve_oncall"`
	Dependencies        []text          `yaml:"dependencies"`
	AutoAcknowledge     at[float64]     `yaml:"auto_acknowledge"`
	LLM                 at[bool]        `yaml:"llm"`
	Actions             []at[rawAction] `yaml:"actions"`
	SettingsSource      text            `yaml:"settings_source"`
}

type rawAction struct {
	Name        text     `yaml:"name"`
	Description text     `yaml:"description"`
	Destructive at[bool] `yaml:"destructive"`
	Webhook     text     `yaml:"webhook"`
	Secret      text     `yaml:"secret"`
	Params      []text   `yaml:"params"`
}

// rawIngestToken is written either as a bare token or as {token, services}.
type rawIngestToken struct {
	Token    text   `yaml:"token"`
	Services []text `yaml:"services"`
}

type rawSlack struct {
	Admins []text `yaml:"admins"`
}

// at is a value of the file with the line it was written on; Line 0 means
// the key was absent (or null).
type at[T any] struct {
	V    T
	Line int
}

// text is a text value of the file, subject to ${VAR} expansion.
type text = at[string]

// UnmarshalYAML uses the older unmarshaler form on purpose: it decodes with
// the file's own decoder, so unknown keys below are still rejected.
func (a *at[T]) UnmarshalYAML(unmarshal func(any) error) error {
	var n nodeInfo
	_ = unmarshal(&n) // nodeInfo accepts every node
	a.Line = n.line
	return unmarshal(&a.V)
}

// nodeInfo records where a node is and what kind it is.
type nodeInfo struct {
	line int
	kind yaml.Kind
}

// UnmarshalYAML records the node's line and kind.
func (n *nodeInfo) UnmarshalYAML(node *yaml.Node) error {
	n.line, n.kind = node.Line, node.Kind
	return nil
}

// UnmarshalYAML accepts a bare token as well as a {token, services} mapping.
func (r *rawIngestToken) UnmarshalYAML(unmarshal func(any) error) error {
	var n nodeInfo
	_ = unmarshal(&n)
	if n.kind == yaml.ScalarNode {
		return unmarshal(&r.Token)
	}
	type plain rawIngestToken
	return unmarshal((*plain)(r))
}

// decode reads data strictly; problems name the file and line.
func decode(data []byte, file string) (rawFile, error) {
	var raw rawFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&raw)
	if errors.Is(err, io.EOF) {
		return rawFile{}, nil
	}
	if err == nil && !errors.Is(dec.Decode(new(yaml.Node)), io.EOF) {
		err = errors.New("yaml: the file must hold a single YAML document")
	}
	if err != nil {
		return rawFile{}, yamlError(err, file)
	}
	return raw, nil
}

var (
	lineRE    = regexp.MustCompile(`^line (\d+): `)
	unknownRE = regexp.MustCompile(`^field (.*) not found in type .*$`)
	typeRE    = regexp.MustCompile("^cannot unmarshal !!(\\w+)( `.*`)? into (.*)$")
	kinds     = map[string]string{"seq": "a list", "map": "a mapping", "str": "text", "int": "a number",
		"float": "a number", "bool": "true or false", "timestamp": "a timestamp", "binary": "binary data"}
)

// yamlError rewrites the decoder's messages as "file:line: sentence", one
// *noctuary.Error each.
func yamlError(err error, file string) error {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		where := file
		m = strings.TrimPrefix(m, "yaml: ")
		if sub := lineRE.FindStringSubmatch(m); sub != nil {
			where, m = file+":"+sub[1], m[len(sub[0]):]
		}
		errs = append(errs, noctuary.Errorf(noctuary.EInvalid, "%s: %s", where, friendly(m)))
	}
	return errors.Join(errs...)
}

// friendly rewrites the decoder's wording in terms of the file.
func friendly(m string) string {
	if sub := unknownRE.FindStringSubmatch(m); sub != nil {
		return fmt.Sprintf("unknown key %q", sub[1])
	}
	sub := typeRE.FindStringSubmatch(m)
	if sub == nil {
		return m
	}
	found := kinds[sub[1]]
	if found == "" {
		found = "!!" + sub[1]
	}
	if sub[2] != "" {
		found += " " + strings.TrimSpace(sub[2])
	}
	want := map[string]string{"bool": "true or false", "float64": "a number", "string": "a single value"}[sub[3]]
	switch {
	case want != "":
	case strings.HasPrefix(sub[3], "[]"):
		want = "a list"
	default:
		want = "a mapping"
	}
	return fmt.Sprintf("expected %s, found %s", want, found)
}
