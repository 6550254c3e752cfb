package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest/sources"
)

// receiver is Noctuary's /v1/events/kubernetes as far as the watcher can
// tell: it checks the token, translates each body with the server's own
// mapping, and answers with the status the test sets.
type receiver struct {
	mu       sync.Mutex
	events   []noctuary.ContextEvent
	requests int
	statuses []int // answered in turn; 202 once used up
	bad      []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if req.URL.Path != "/v1/events/kubernetes" || req.Header.Get("Authorization") != "Bearer tok" {
		r.bad = append(r.bad, req.Method+" "+req.URL.Path+" "+req.Header.Get("Authorization"))
	}
	if len(r.statuses) > 0 {
		status := r.statuses[0]
		r.statuses = r.statuses[1:]
		w.WriteHeader(status)
		return
	}
	body, _ := io.ReadAll(req.Body)
	res, err := sources.Kubernetes{Namespaces: map[string]string{"shop": "checkout"}}.Translate(req.Header, body)
	if err != nil {
		r.bad = append(r.bad, err.Error())
	}
	r.events = append(r.events, res.Events...)
	w.WriteHeader(http.StatusAccepted)
}

// until waits up to 10 s for cond on r's state.
func (r *receiver) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// startWatcher runs watch against a fake cluster and rcv until the test ends.
func startWatcher(t *testing.T, rcv *receiver, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	client := fake.NewClientset(objs...)
	cfg, err := parse([]string{"-flush", "50ms", "-batch", "10"}, func(k string) string {
		return map[string]string{"NOCTUARY_URL": srv.URL + "/", "NOCTUARY_INGEST_TOKEN": "tok"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- watch(ctx, client, cfg, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return client
}

func deployment(image string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: "shop", UID: "d-1", Generation: 7,
			Labels: map[string]string{"app.kubernetes.io/name": "checkout-api"}},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "sidecar", Image: "envoy:1.30"}, {Name: "checkout", Image: image},
		}}}},
	}
}

func TestWatcherPostsEventsAndRollouts(t *testing.T) {
	rcv := &receiver{}
	backOff := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "p.1", Namespace: "shop", UID: "e-1"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "checkout-7d9f-x"},
		Reason:         "BackOff", Message: "Back-off restarting failed container checkout", Count: 3, Type: "Warning",
		LastTimestamp: metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second)),
	}
	client := startWatcher(t, rcv, backOff, deployment("ghcr.io/acme/checkout:f8b3e22"))
	rcv.until(t, "the BackOff", func() bool { return len(rcv.events) == 1 })

	d, err := client.AppsV1().Deployments("shop").Get(t.Context(), "checkout", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Template.Spec.Containers[1].Image = "ghcr.io/acme/checkout:a4f2c1e"
	d.Generation = 8
	if _, err := client.AppsV1().Deployments("shop").Update(t.Context(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	rcv.until(t, "the rollout", func() bool { return len(rcv.events) == 2 })

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bad) > 0 {
		t.Errorf("bad requests: %q", rcv.bad)
	}
	got := rcv.events[0]
	if got.Service != "checkout" || got.Kind != "CrashLoopBackOff" || got.ID != "k8s-e-1-3" || got.Attributes["count"] != "3" ||
		!got.OccurredAt.Equal(backOff.LastTimestamp.Time) {
		t.Errorf("BackOff became %+v", got)
	}
	deploy := rcv.events[1]
	want := map[string]string{"version": "ghcr.io/acme/checkout:a4f2c1e", "sha": "a4f2c1e",
		"previous_version": "ghcr.io/acme/checkout:f8b3e22", "previous_sha": "f8b3e22", "object": "Deployment/checkout"}
	for k, v := range want {
		if deploy.Attributes[k] != v {
			t.Errorf("rollout attribute %s = %q, want %q", k, deploy.Attributes[k], v)
		}
	}
	// The Deployment's label names the service, before the namespace map.
	if deploy.Kind != "deploy" || deploy.Service != "checkout-api" || deploy.ID != "k8s-d-1-gen8-1" {
		t.Errorf("rollout became %+v", deploy)
	}
}

func TestWatcherIgnoresUpdatesThatKeepTheImages(t *testing.T) {
	rcv := &receiver{}
	client := startWatcher(t, rcv, deployment("ghcr.io/acme/checkout:f8b3e22"))
	d := deployment("ghcr.io/acme/checkout:f8b3e22")
	d.Spec.Replicas = new(int32)
	if _, err := client.AppsV1().Deployments("shop").Update(t.Context(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// An Event after the update: once it arrives, the update was handled.
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "d.1", Namespace: "shop", UID: "e-2"},
		InvolvedObject: corev1.ObjectReference{Kind: "Deployment", Namespace: "shop", Name: "checkout"},
		Reason:         "ScalingReplicaSet", Message: "Scaled down replica set checkout-7d9f from 1 to 0",
		LastTimestamp: metav1.NewTime(time.Now().Truncate(time.Second))}
	if _, err := client.CoreV1().Events("shop").Create(t.Context(), ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rcv.until(t, "the ScalingReplicaSet", func() bool { return len(rcv.events) == 1 })
	time.Sleep(100 * time.Millisecond) // two flush intervals: a rollout would have come with it
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.events) != 1 || rcv.events[0].Kind != "ScalingReplicaSet" || rcv.events[0].Service != "checkout-api" {
		t.Errorf("events %+v; want the ScalingReplicaSet only, with its Deployment's label", rcv.events)
	}
}

func TestPosterRetriesTransientFailures(t *testing.T) {
	rcv := &receiver{statuses: []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	p := &poster{url: srv.URL + "/v1/events/kubernetes", token: "tok", client: srv.Client(),
		maxElapsed: 10 * time.Second, initial: time.Millisecond, log: slog.New(slog.DiscardHandler)}
	p.send(t.Context(), []item{sampleItem()})
	if rcv.requests != 4 || len(rcv.events) != 1 {
		t.Errorf("%d requests, %d events; want 3 refusals then the events", rcv.requests, len(rcv.events))
	}
}

func TestPosterDropsWhatNoRetryChanges(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge} {
		rcv := &receiver{statuses: []int{status}}
		srv := httptest.NewServer(rcv)
		p := &poster{url: srv.URL + "/v1/events/kubernetes", token: "tok", client: srv.Client(),
			maxElapsed: 10 * time.Second, initial: time.Millisecond, log: slog.New(slog.DiscardHandler)}
		p.send(t.Context(), []item{sampleItem()})
		srv.Close()
		if rcv.requests != 1 {
			t.Errorf("HTTP %d: %d requests; want 1 (no retry)", status, rcv.requests)
		}
	}
}

func sampleItem() item {
	ev := corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}, Reason: "Evicted",
		LastTimestamp: metav1.NewTime(time.Now().Truncate(time.Second))}
	return item{Event: ev, InvolvedObject: objectRef{ObjectReference: corev1.ObjectReference{Kind: "Pod", Name: "p"}}}
}

func TestParse(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := parse(nil, env(map[string]string{"NOCTUARY_URL": "https://n.example/", "NOCTUARY_INGEST_TOKEN": "t"}))
	if err != nil || cfg.url != "https://n.example/v1/events/kubernetes" || cfg.batch != 100 || cfg.kubeconfig != "" {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	_, err = parse([]string{"-batch", "0"}, env(nil))
	for _, want := range []string{"NOCTUARY_URL", "NOCTUARY_INGEST_TOKEN", "-batch"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if _, err := restConfig(""); err == nil || !strings.Contains(err.Error(), "KUBECONFIG") {
		t.Errorf("outside a cluster without a kubeconfig: %v", err)
	}
}
