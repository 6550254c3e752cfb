// Package eval is the evaluation suite of the triage engines: it runs the
// heuristic engine, through the worker's own entry (agent.EventScope,
// agent.NewRequest, agent.Hypothesize), over incident scenarios kept in
// testdata/eval, and scores it next to the naive rule "latest change on
// the service or a dependency before onset". testdata/eval/README.md
// describes the scenario format.
package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/noctuary/noctuary"
)

// NoCause is the expected cause of a scenario whose honest answer is that
// no correlated event explains the incident.
const NoCause = "none"

// File is one scenario file: scenarios sharing a default category.
type File struct {
	// Category applies to each scenario that names none.
	Category  string     `yaml:"category,omitempty"`
	Scenarios []Scenario `yaml:"scenarios"`
}

// Scenario is one incident with its context and its true cause.
type Scenario struct {
	Name     string `yaml:"name"`
	Category string `yaml:"category,omitempty"`
	// Story says what really happened, for the reader.
	Story    string       `yaml:"story,omitempty"`
	Services []ServiceDef `yaml:"services"`
	Incident IncidentDef  `yaml:"incident"`
	Events   []EventDef   `yaml:"events,omitempty"`
	Expect   Expectation  `yaml:"expect"`
	// File is the base name of the file the scenario was loaded from.
	File string `yaml:"-"`
}

// ServiceDef is a service of the scenario and what it depends on.
type ServiceDef struct {
	Key          string   `yaml:"key"`
	Dependencies []string `yaml:"dependencies,omitempty"`
}

// IncidentDef is the PagerDuty incident. Onset is an offset from the time
// the suite runs ("-45m"), so nothing depends on the date.
type IncidentDef struct {
	Service string `yaml:"service"`
	Title   string `yaml:"title"`
	Urgency string `yaml:"urgency,omitempty"`
	Onset   Offset `yaml:"onset"`
}

// EventDef is a ContextEvent whose time is an offset from the onset
// ("-7m", "2m30s").
type EventDef struct {
	ID         string            `yaml:"id"`
	Service    string            `yaml:"service"`
	Kind       string            `yaml:"kind"`
	Source     string            `yaml:"source"`
	At         Offset            `yaml:"at"`
	Summary    string            `yaml:"summary,omitempty"`
	Attributes map[string]string `yaml:"attributes,omitempty"`
	Link       string            `yaml:"link,omitempty"`
}

// Expectation is the scenario's right answer.
type Expectation struct {
	// Cause is the ID of the event that caused the incident, or NoCause.
	Cause string `yaml:"cause"`
	// Mentions are words the hypothesis must contain to be right (what
	// changed: the new value, the flag, the image), compared without case.
	Mentions []string `yaml:"mentions,omitempty"`
}

// Offset is a signed duration written as Go writes durations ("-7m30s").
type Offset time.Duration

// UnmarshalYAML parses an offset.
func (o *Offset) UnmarshalYAML(n *yaml.Node) error {
	d, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("line %d: offset %q is not a duration like -7m or 90s", n.Line, n.Value)
	}
	*o = Offset(d)
	return nil
}

// MarshalYAML writes an offset as a duration string.
func (o Offset) MarshalYAML() (any, error) { return time.Duration(o).String(), nil }

// Load reads every *.yaml file of dir, sorted by name, and checks each
// scenario; the error names the file and scenario of the first problem.
func Load(dir string) ([]Scenario, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no scenario files (*.yaml) in %s", dir)
	}
	var all []Scenario
	names := map[string]string{}
	for _, p := range paths {
		sc, err := LoadFile(p)
		if err != nil {
			return nil, err
		}
		for _, s := range sc {
			if prev, dup := names[s.Name]; dup {
				return nil, fmt.Errorf("%s: scenario %q is also in %s", p, s.Name, prev)
			}
			names[s.Name] = p
		}
		all = append(all, sc...)
	}
	return all, nil
}

// LoadFile reads and checks one scenario file.
func LoadFile(path string) ([]Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range sc {
		sc[i].File = filepath.Base(path)
	}
	return sc, nil
}

// Parse decodes and checks the scenarios of one file's content. Unknown
// fields are errors, so a misspelt field is not silently ignored.
func Parse(b []byte) ([]Scenario, error) {
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if len(f.Scenarios) == 0 {
		return nil, fmt.Errorf("no scenarios")
	}
	for i := range f.Scenarios {
		s := &f.Scenarios[i]
		if s.Category == "" {
			s.Category = f.Category
		}
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("scenario %d (%q): %w", i+1, s.Name, err)
		}
	}
	return f.Scenarios, nil
}

func (s *Scenario) check() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("name is required")
	case s.Category == "":
		return fmt.Errorf("category is required (on the scenario or the file)")
	case s.Incident.Title == "":
		return fmt.Errorf("incident.title is required")
	case s.Incident.Onset > 0:
		return fmt.Errorf("incident.onset %s is in the future; write an offset before now, like -30m", time.Duration(s.Incident.Onset))
	}
	if _, ok := s.service(s.Incident.Service); !ok {
		return fmt.Errorf("incident.service %q is not among services", s.Incident.Service)
	}
	ids := map[string]bool{}
	for _, e := range s.Events {
		if err := s.checkEvent(e, ids); err != nil {
			return err
		}
	}
	if s.Expect.Cause != NoCause && !ids[s.Expect.Cause] {
		return fmt.Errorf("expect.cause %q is neither an event id nor %q", s.Expect.Cause, NoCause)
	}
	return nil
}

func (s *Scenario) checkEvent(e EventDef, ids map[string]bool) error {
	if e.ID == "" || ids[e.ID] {
		return fmt.Errorf("event ids must be present and unique (%q)", e.ID)
	}
	ids[e.ID] = true
	ev := s.event(e, time.Now())
	if err := ev.Validate(time.Now()); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	return nil
}

// service returns the declared service key.
func (s *Scenario) service(key string) (ServiceDef, bool) {
	i := slices.IndexFunc(s.Services, func(d ServiceDef) bool { return d.Key == key })
	if i < 0 {
		return ServiceDef{}, false
	}
	return s.Services[i], true
}

// event is e as the ingest API stores it, with the scenario's onset at onset.
func (s *Scenario) event(e EventDef, onset time.Time) noctuary.ContextEvent {
	return noctuary.ContextEvent{ID: e.ID, Service: e.Service, Kind: e.Kind, Source: e.Source,
		OccurredAt: onset.Add(time.Duration(e.At)), Summary: e.Summary, Attributes: e.Attributes, Link: e.Link}
}
