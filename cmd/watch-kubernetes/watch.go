package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/noctuary/noctuary/ingest/sources"
)

// component is the reporting component of the Events the watcher makes.
const component = "noctuary-watch-kubernetes"

// item is one Event as posted: a core/v1 Event whose involved object
// carries its labels when the watcher knows them (as kubernetes-event-exporter
// sends it), so that the service label can name its service.
type item struct {
	corev1.Event
	InvolvedObject objectRef `json:"involvedObject"`
}

// objectRef is an ObjectReference with the object's labels.
type objectRef struct {
	corev1.ObjectReference
	Labels map[string]string `json:"labels,omitempty"`
}

// watcher feeds the Events of the cluster, and the rollouts of its
// Deployments, to out.
type watcher struct {
	factory     informers.SharedInformerFactory
	deployments appslisters.DeploymentLister
	// deploymentsSynced tells when the Deployment cache has been listed, and
	// stop when the watcher ends: an Event that arrives first waits for it.
	deploymentsSynced cache.InformerSynced
	stop              <-chan struct{}
	out               *batcher
	now               func() time.Time
	log               *slog.Logger
}

// newWatcher sets up the informers on Events and Deployments of namespace
// ("" for all).
func newWatcher(client kubernetes.Interface, namespace string, out *batcher, now func() time.Time, log *slog.Logger) (*watcher, error) {
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(namespace))
	w := &watcher{factory: f, deployments: f.Apps().V1().Deployments().Lister(), out: out, now: now, log: log,
		deploymentsSynced: f.Apps().V1().Deployments().Informer().HasSynced}
	events := cache.ResourceEventHandlerFuncs{
		AddFunc:    w.event,
		UpdateFunc: func(_, obj any) { w.event(obj) },
	}
	if _, err := f.Core().V1().Events().Informer().AddEventHandler(events); err != nil {
		return nil, fmt.Errorf("cannot watch Events: %w", err)
	}
	rollouts := cache.ResourceEventHandlerFuncs{UpdateFunc: w.rollout}
	if _, err := f.Apps().V1().Deployments().Informer().AddEventHandler(rollouts); err != nil {
		return nil, fmt.Errorf("cannot watch Deployments: %w", err)
	}
	return w, nil
}

// run starts the informers and waits for their caches, then for ctx.
func (w *watcher) run(ctx context.Context) error {
	w.stop = ctx.Done()
	w.factory.Start(ctx.Done())
	defer w.factory.Shutdown()
	for typ, ok := range w.factory.WaitForCacheSync(ctx.Done()) {
		if !ok && ctx.Err() == nil {
			return fmt.Errorf("the %v cache did not sync: check the watcher's RBAC (get, list, watch)", typ)
		}
	}
	w.log.Info("watching Kubernetes Events and Deployments")
	<-ctx.Done()
	return nil
}

// event queues an Event, with its Deployment's labels when it is about one.
func (w *watcher) event(obj any) {
	ev, ok := obj.(*corev1.Event)
	if !ok {
		return
	}
	it := item{Event: *ev, InvolvedObject: objectRef{ObjectReference: ev.InvolvedObject}}
	it.ManagedFields = nil
	if ev.InvolvedObject.Kind == "Deployment" {
		// At start-up the Events may be listed before the Deployments: the
		// labels that name the service would be missing.
		if !w.deploymentsSynced() {
			cache.WaitForCacheSync(w.stop, w.deploymentsSynced)
		}
		if d, err := w.deployments.Deployments(ev.InvolvedObject.Namespace).Get(ev.InvolvedObject.Name); err == nil {
			it.InvolvedObject.Labels = deploymentLabels(d)
		}
	}
	w.out.add(it)
}

// rollout queues a deploy when an update changes a container's image: the
// new image is the version, the one it replaces the previous version.
func (w *watcher) rollout(oldObj, newObj any) {
	old, ok1 := oldObj.(*appsv1.Deployment)
	d, ok2 := newObj.(*appsv1.Deployment)
	if !ok1 || !ok2 {
		return
	}
	container, image, previous := changedImage(old, d)
	if image == "" {
		return
	}
	now := metav1.NewTime(w.now())
	w.out.add(item{
		Event: corev1.Event{
			TypeMeta: metav1.TypeMeta{Kind: "Event", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s.rollout-%d", d.Name, d.Generation), Namespace: d.Namespace,
				UID:         types.UID(fmt.Sprintf("%s-gen%d", d.UID, d.Generation)),
				Annotations: map[string]string{sources.AnnotationImage: image, sources.AnnotationPreviousImage: previous},
			},
			Reason:  "Rollout",
			Message: fmt.Sprintf("%s rolled out %s (was %s) in container %s, generation %d", d.Name, image, previous, container, d.Generation),
			Source:  corev1.EventSource{Component: component}, ReportingController: component,
			FirstTimestamp: now, LastTimestamp: now, Count: 1, Type: corev1.EventTypeNormal,
		},
		InvolvedObject: objectRef{
			ObjectReference: corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: d.Namespace, Name: d.Name, UID: d.UID},
			Labels:          deploymentLabels(d),
		},
	})
}

// changedImage is the first container of d whose image differs from old's,
// with both images; "" when no image changed.
func changedImage(old, d *appsv1.Deployment) (container, image, previous string) {
	before := map[string]string{}
	for _, c := range old.Spec.Template.Spec.Containers {
		before[c.Name] = c.Image
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if prev, ok := before[c.Name]; ok && prev != c.Image {
			return c.Name, c.Image, prev
		}
	}
	return "", "", ""
}

// deploymentLabels are the Deployment's pod template labels and its own,
// its own winning.
func deploymentLabels(d *appsv1.Deployment) map[string]string {
	l := maps.Clone(d.Spec.Template.Labels)
	if l == nil {
		l = map[string]string{}
	}
	maps.Copy(l, d.Labels)
	return l
}
