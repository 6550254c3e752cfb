package sources

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// SourceKubernetes is the source of the events Kubernetes translates.
const SourceKubernetes = "kubernetes"

// DefaultKubernetesServiceLabel is the label of the involved object that
// names its service when the configuration names none.
const DefaultKubernetesServiceLabel = "app.kubernetes.io/name"

// Annotations by which `noctuary watch-kubernetes` marks the Event it makes
// of a Deployment's rollout: the new image and the one it replaced. An Event
// that carries AnnotationImage becomes a deploy.
const (
	AnnotationImage         = "noctuary.io/image"
	AnnotationPreviousImage = "noctuary.io/previous-image"
)

// Kubernetes translates Kubernetes Events: a core/v1 Event, an
// events.k8s.io/v1 Event, an EventList (or the List that `kubectl get events
// -o json` prints) or a JSON array of Events, one ContextEvent each. An Event
// maps to a service by its involved object's ServiceLabel when the payload
// carries the object's labels (as kubernetes-event-exporter and the watcher
// send them), else by the object's namespace in Namespaces.
type Kubernetes struct {
	// ServiceLabel is the label key; "" means DefaultKubernetesServiceLabel.
	ServiceLabel string
	// Namespaces maps a namespace to a service key.
	Namespaces map[string]string
}

// kubeRef is the object an Event is about: core/v1 involvedObject or
// events.k8s.io/v1 regarding, with the labels kubernetes-event-exporter adds.
type kubeRef struct {
	Kind      string            `json:"kind"`
	Namespace string            `json:"namespace"`
	Name      string            `json:"name"`
	FieldPath string            `json:"fieldPath"`
	Labels    map[string]string `json:"labels"`
}

// kubeSource is core/v1's source (events.k8s.io/v1's deprecatedSource).
type kubeSource struct {
	Component string `json:"component"`
	Host      string `json:"host"`
}

// kubeEvent holds the fields of both Event versions that Kubernetes reads.
type kubeEvent struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Metadata   struct {
		Namespace   string            `json:"namespace"`
		UID         string            `json:"uid"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	InvolvedObject *kubeRef `json:"involvedObject"`
	Regarding      *kubeRef `json:"regarding"`
	Reason         string   `json:"reason"`
	Message        string   `json:"message"`
	Note           string   `json:"note"`
	Type           string   `json:"type"`
	Count          int64    `json:"count"`
	DeprecatedCnt  int64    `json:"deprecatedCount"`
	Series         *struct {
		Count            int64  `json:"count"`
		LastObservedTime string `json:"lastObservedTime"`
	} `json:"series"`
	Source              kubeSource `json:"source"`
	DeprecatedSource    kubeSource `json:"deprecatedSource"`
	ReportingComponent  string     `json:"reportingComponent"`
	ReportingController string     `json:"reportingController"`
	EventTime           string     `json:"eventTime"`
	FirstTimestamp      string     `json:"firstTimestamp"`
	LastTimestamp       string     `json:"lastTimestamp"`
	DeprecatedFirst     string     `json:"deprecatedFirstTimestamp"`
	DeprecatedLast      string     `json:"deprecatedLastTimestamp"`
	// ClusterName is kubernetes-event-exporter's.
	ClusterName string `json:"clusterName"`
}

// kubeList is an EventList, or the List that `kubectl get events -o json` prints.
type kubeList struct {
	Kind  string            `json:"kind"`
	Items []json.RawMessage `json:"items"`
}

// Translate returns one event per Event, in order, or, for an Event whose
// object maps to no service, its name ("namespace/Kind/name") in Unmapped.
// A payload that is not Events, or an Event without an object, a reason or
// a time, is an EInvalid error naming it.
func (k Kubernetes) Translate(_ http.Header, body []byte) (Result, error) {
	items, err := kubeItems(body)
	if err != nil {
		return Result{}, err
	}
	label := cmp.Or(k.ServiceLabel, DefaultKubernetesServiceLabel)
	res := newResult()
	for i, raw := range items {
		var ke kubeEvent
		if err := decodeJSON(raw, fmt.Sprintf("Kubernetes Event (item %d)", i), &ke); err != nil {
			return Result{}, err
		}
		ev, err := ke.contextEvent()
		if err != nil {
			return Result{}, noctuary.Errorf(noctuary.EInvalid, "Event %d %s.", i, err)
		}
		ref := ke.object()
		if ev.Service = kubeService(ref, ke.namespace(), label, k.Namespaces); ev.Service == "" {
			res.Unmapped = append(res.Unmapped, ke.namespace()+"/"+ref.Kind+"/"+ref.Name)
			continue
		}
		res.Events = append(res.Events, ev)
	}
	return res, nil
}

// kubeItems splits the payload into its Events.
func kubeItems(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	var items []json.RawMessage
	switch {
	case len(body) == 0:
		return nil, noctuary.Errorf(noctuary.EInvalid, "The body is empty: send a Kubernetes Event, an EventList or an array of Events.")
	case body[0] == '[':
		if err := decodeJSON(body, "Kubernetes Event array", &items); err != nil {
			return nil, err
		}
	case body[0] == '{':
		var l kubeList
		if err := decodeJSON(body, "Kubernetes Event or EventList", &l); err != nil {
			return nil, err
		}
		if l.Kind != "EventList" && l.Kind != "List" {
			return []json.RawMessage{body}, nil
		}
		items = l.Items
	default:
		return nil, noctuary.Errorf(noctuary.EInvalid, "The body is not JSON: send a Kubernetes Event, an EventList or an array of Events.")
	}
	if len(items) == 0 {
		return nil, noctuary.Errorf(noctuary.EInvalid, "The body holds no Events.")
	}
	return items, nil
}

// contextEvent is the Event as a ContextEvent without its service; an error
// says what the Event lacks.
func (ke *kubeEvent) contextEvent() (noctuary.ContextEvent, error) {
	if ke.Kind != "" && ke.Kind != "Event" {
		return noctuary.ContextEvent{}, fmt.Errorf("is a %s, not an Event", Clip(ke.Kind, 60))
	}
	ref := ke.object()
	if ref.Name == "" {
		return noctuary.ContextEvent{}, fmt.Errorf("names no object (involvedObject or regarding)")
	}
	if ke.Reason == "" {
		return noctuary.ContextEvent{}, fmt.Errorf("has no reason")
	}
	at, err := ke.occurredAt()
	if err != nil {
		return noctuary.ContextEvent{}, err
	}
	ev := noctuary.ContextEvent{
		Kind:       kubeKind(ke.Reason, ke.message()),
		Source:     SourceKubernetes,
		OccurredAt: at,
		Summary:    Clip(ref.Kind+" "+ref.Name+": "+ke.message(), noctuary.MaxSummaryLen),
		Attributes: ke.attributes(ref),
	}
	if ke.Metadata.UID != "" {
		ev.ID = "k8s-" + ke.Metadata.UID + "-" + strconv.FormatInt(ke.count(), 10)
	}
	ke.rollout(&ev)
	return ev, nil
}

// object is what the Event is about, in either version.
func (ke *kubeEvent) object() kubeRef {
	if ke.InvolvedObject != nil {
		return *ke.InvolvedObject
	}
	if ke.Regarding != nil {
		return *ke.Regarding
	}
	return kubeRef{}
}

// namespace is the involved object's namespace, else the Event's.
func (ke *kubeEvent) namespace() string {
	if ns := ke.object().Namespace; ns != "" {
		return ns
	}
	return ke.Metadata.Namespace
}

func (ke *kubeEvent) message() string { return cmp.Or(ke.Message, ke.Note) }

// count is how often the Event occurred, at least 1.
func (ke *kubeEvent) count() int64 {
	n := max(ke.Count, ke.DeprecatedCnt)
	if ke.Series != nil {
		n = max(n, ke.Series.Count)
	}
	return max(n, 1)
}

// occurredAt is the latest of the Event's times: a repeated Event reports
// its last occurrence (lastTimestamp, series.lastObservedTime), a new-style
// one its eventTime, an old-style one at least its firstTimestamp.
func (ke *kubeEvent) occurredAt() (time.Time, error) {
	var latest time.Time
	times := []struct{ name, value string }{
		{"eventTime", ke.EventTime}, {"lastTimestamp", ke.LastTimestamp}, {"firstTimestamp", ke.FirstTimestamp},
		{"deprecatedLastTimestamp", ke.DeprecatedLast}, {"deprecatedFirstTimestamp", ke.DeprecatedFirst},
	}
	if ke.Series != nil {
		times = append(times, struct{ name, value string }{"series.lastObservedTime", ke.Series.LastObservedTime})
	}
	for _, t := range times {
		if t.value == "" {
			continue
		}
		at, err := ParseTime(t.value)
		if err != nil {
			return time.Time{}, fmt.Errorf("has a %s that is not a time: %q", t.name, Clip(t.value, 40))
		}
		if at.After(latest) {
			latest = at
		}
	}
	if latest.IsZero() {
		return time.Time{}, fmt.Errorf("has no time (eventTime, lastTimestamp or firstTimestamp)")
	}
	return latest.UTC(), nil
}

// attributes are the Event's count, object and origin.
func (ke *kubeEvent) attributes(ref kubeRef) map[string]string {
	return attrs(
		"reason", ke.Reason,
		"count", strconv.FormatInt(ke.count(), 10),
		"object", ref.Kind+"/"+ref.Name,
		"object_kind", ref.Kind,
		"object_name", ref.Name,
		"namespace", ke.namespace(),
		"type", ke.Type,
		"field_path", ref.FieldPath,
		"component", cmp.Or(ke.Source.Component, ke.ReportingComponent, ke.ReportingController, ke.DeprecatedSource.Component),
		"host", cmp.Or(ke.Source.Host, ke.DeprecatedSource.Host),
		"cluster", ke.ClusterName,
	)
}

// rollout makes a deploy of an Event that the watcher made of a rollout:
// the image is the version, the one it replaced the previous version, and
// a hex tag or digest is the sha.
func (ke *kubeEvent) rollout(ev *noctuary.ContextEvent) {
	image := ke.Metadata.Annotations[AnnotationImage]
	if image == "" {
		return
	}
	ev.Kind = "deploy"
	setImage(ev.Attributes, "", image)
	setImage(ev.Attributes, "previous_", ke.Metadata.Annotations[AnnotationPreviousImage])
}

// setImage records image as prefix+"version" (and prefix+"image"), and its
// tag or digest as prefix+"sha" when it is hex.
func setImage(a map[string]string, prefix, image string) {
	if image == "" {
		return
	}
	image = Clip(image, noctuary.MaxAttributeValueLen)
	a[prefix+"version"], a[prefix+"image"] = image, image
	if sha := imageSHA(image); sha != "" {
		a[prefix+"sha"] = sha
	}
}

// imageSHA is the hex digest or tag of an image reference
// (repo@sha256:<hex>, repo:<hex>), or "".
func imageSHA(image string) string {
	ref := image
	if _, digest, ok := strings.Cut(image, "@"); ok {
		ref = strings.TrimPrefix(digest, "sha256:")
	} else if i := strings.LastIndexByte(image, ':'); i > strings.LastIndexByte(image, '/') {
		ref = image[i+1:]
	} else {
		return ""
	}
	if len(ref) < 7 || len(ref) > 64 || strings.Trim(ref, "0123456789abcdef") != "" {
		return ""
	}
	return ref
}

// kubeKinds names the kinds of reasons whose own name says less than it
// could: a node's OOMKilling is an OOMKill, a BackOff a CrashLoopBackOff or
// an ImagePullBackOff.
var kubeKinds = map[string]string{
	"OOMKilling": "OOMKill", "OOMKilled": "OOMKill", "SystemOOM": "OOMKill",
	"Evicted": "Evicted", "Evicting": "Evicted", "Preempted": "Evicted",
}

// kubeKind is the ContextEvent kind of an Event's reason (the agent
// classifies FailedScheduling, Unhealthy, Killing, ScalingReplicaSet… by
// their own names).
func kubeKind(reason, message string) string {
	if k, ok := kubeKinds[reason]; ok {
		return k
	}
	if reason == "BackOff" {
		if strings.Contains(message, "pulling image") {
			return "ImagePullBackOff"
		}
		return "CrashLoopBackOff"
	}
	return Clip(reason, noctuary.MaxKindLen)
}

// kubeService is the service of ref: its label's value when that is a
// service key, else its namespace's mapping; "" when neither.
func kubeService(ref kubeRef, namespace, label string, namespaces map[string]string) string {
	if v := ref.Labels[label]; noctuary.ValidServiceKey(v) {
		return v
	}
	return namespaces[namespace]
}
