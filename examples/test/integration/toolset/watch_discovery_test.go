package toolset

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// eventWait bounds how long a test waits for the API server to deliver a
// watch event; on a local API server they arrive within milliseconds.
const eventWait = 10 * time.Second

// toolEvent is what the informer-based discovery hands the Toolset.
type toolEvent struct {
	kind string // added, updated, deleted
	svc  string // namespace/name
	tool tool
	err  error
}

// TestInformerSeesToolChanges runs discovery the way the Toolset service
// does, with a shared informer restricted to the toolset label, and checks
// that added, changed and deleted Services reach it (and unlabelled ones
// never do).
func TestInformerSeesToolChanges(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := toolsetNamespace(t, cs)
	ctx := testContext(t)
	run := newTestRun(t, cs)

	d := &discovery{cs: cs, namespaces: []string{ns}, extra: run.selector()}
	sel, err := d.selector()
	if err != nil {
		t.Fatal(err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0,
		informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = sel }))
	inf := factory.Core().V1().Services()

	events := make(chan toolEvent, 32)
	send := func(kind string, obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		svc, ok := obj.(*corev1.Service)
		if !ok {
			events <- toolEvent{kind: kind, err: fmt.Errorf("unexpected object %T", obj)}
			return
		}
		tl, err := toolFromService(svc)
		events <- toolEvent{kind: kind, svc: svc.Namespace + "/" + svc.Name, tool: tl, err: err}
	}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { send("added", obj) },
		UpdateFunc: func(_, obj any) { send("updated", obj) },
		DeleteFunc: func(obj any) { send("deleted", obj) },
	}); err != nil {
		t.Fatalf("adding the event handler: %v", err)
	}

	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); factory.Shutdown() })
	factory.Start(stop)
	syncCtx, cancel := context.WithTimeout(ctx, eventWait)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), inf.Informer().HasSynced) {
		t.Fatalf("the Service informer for %s (%s) did not sync within %v", ns, sel, eventWait)
	}
	if n := cachedServices(t, inf.Lister()); n != 0 {
		t.Fatalf("the informer starts with %d Services of a run that has created none", n)
	}

	// An unlabelled Service first, then a labelled one: watch events of one
	// namespace arrive in order, so once the labelled one is seen the
	// unlabelled one would already have been delivered, had it matched.
	run.createService(ctx, serviceSpec{namespace: ns, name: "unlabelled",
		annotations: map[string]string{annotationType: "loki"}})
	prom := run.createService(ctx, serviceSpec{namespace: ns, name: "prometheus", toolset: true, ports: []int32{9090},
		annotations: map[string]string{annotationType: "prometheus", annotationPath: "/api/v1"}})
	promKey := svcKeys(prom)[0]

	ev := nextEvent(t, events, "the labelled Service to be added")
	if ev.kind != "added" || ev.svc != promKey {
		t.Fatalf("first event is %s %s, want added %s (an unlabelled Service must never reach discovery)", ev.kind, ev.svc, promKey)
	}
	if ev.err != nil || ev.tool.Type != "prometheus" || ev.tool.Port != 9090 || ev.tool.Path != "/api/v1" {
		t.Fatalf("added event carries tool %+v, err %v; want prometheus on 9090 at /api/v1", ev.tool, ev.err)
	}
	if _, err := inf.Lister().Services(ns).Get(prom.Name); err != nil {
		t.Fatalf("the informer cache does not hold %s after its added event: %v", promKey, err)
	}

	// Changing the annotations is an update with the new tool.
	prom, err = cs.CoreV1().Services(ns).Get(ctx, prom.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("GET %s: %v", promKey, err)
	}
	prom.Annotations[annotationPath] = "/api/v2"
	if _, err := cs.CoreV1().Services(ns).Update(ctx, prom, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("updating %s: %v", promKey, err)
	}
	ev = nextEvent(t, events, "the annotation change")
	if ev.kind != "updated" || ev.svc != promKey || ev.tool.Path != "/api/v2" {
		t.Fatalf("after changing %s got %s %s with path %q, want updated %s with /api/v2", annotationPath, ev.kind, ev.svc, ev.tool.Path, promKey)
	}

	// Deleting the Service removes the tool.
	run.deleteService(ctx, prom)
	ev = nextEvent(t, events, "the deletion")
	if ev.kind != "deleted" || ev.svc != promKey {
		t.Fatalf("after deleting %s got %s %s, want deleted %s", promKey, ev.kind, ev.svc, promKey)
	}
	if n := cachedServices(t, inf.Lister()); n != 0 {
		t.Fatalf("the informer cache still holds %d Services after the deletion", n)
	}
	select {
	case ev := <-events:
		t.Fatalf("unexpected extra event %s %s", ev.kind, ev.svc)
	default:
	}
}

// TestWatchFollowsTheLabel checks the raw watch semantics discovery relies
// on: a Service that gains the toolset label enters a label-selector watch as
// ADDED, and one that loses it leaves as DELETED although it still exists.
func TestWatchFollowsTheLabel(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := toolsetNamespace(t, cs)
	ctx := testContext(t)
	run := newTestRun(t, cs)

	d := &discovery{cs: cs, namespaces: []string{ns}, extra: run.selector()}
	sel, err := d.selector()
	if err != nil {
		t.Fatal(err)
	}
	// Start the watch at the current state, so only what follows is seen.
	list, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatalf("listing %s: %v", sel, err)
	}
	w, err := cs.CoreV1().Services(ns).Watch(ctx, metav1.ListOptions{LabelSelector: sel, ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatalf("watching Services %s in %s: %v", sel, ns, err)
	}
	defer w.Stop()

	svc := run.createService(ctx, serviceSpec{namespace: ns, name: "late-optin",
		annotations: map[string]string{annotationType: "grafana"}})

	relabel := func(enabled bool) {
		t.Helper()
		cur, err := cs.CoreV1().Services(ns).Get(ctx, svc.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("GET %s/%s: %v", ns, svc.Name, err)
		}
		if enabled {
			cur.Labels[toolsetLabel] = toolsetEnabled
		} else {
			delete(cur.Labels, toolsetLabel)
		}
		if _, err := cs.CoreV1().Services(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("relabelling %s/%s: %v", ns, svc.Name, err)
		}
	}

	relabel(true)
	expectWatchEvent(t, w, watch.Added, svc.Name, "the Service gained "+toolsetLabel+"="+toolsetEnabled)
	relabel(false)
	expectWatchEvent(t, w, watch.Deleted, svc.Name, "the Service lost "+toolsetLabel)

	if _, err := cs.CoreV1().Services(ns).Get(ctx, svc.Name, metav1.GetOptions{}); err != nil {
		t.Fatalf("the Service itself should still exist after losing the label: %v", err)
	}
}

// cachedServices counts the Services in the informer's cache.
func cachedServices(t *testing.T, lister corelisters.ServiceLister) int {
	t.Helper()
	svcs, err := lister.List(labels.Everything())
	if err != nil {
		t.Fatalf("listing the informer cache: %v", err)
	}
	return len(svcs)
}

// nextEvent waits for the informer's next event.
func nextEvent(t *testing.T, events <-chan toolEvent, what string) toolEvent {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(eventWait):
		t.Fatalf("no informer event within %v for %s", eventWait, what)
		return toolEvent{}
	}
}

// expectWatchEvent waits for one event of type want about Service name.
func expectWatchEvent(t *testing.T, w watch.Interface, want watch.EventType, name, why string) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("the watch closed while waiting for %s (%s)", want, why)
		}
		got := fmt.Sprintf("%T", ev.Object)
		if svc, ok := ev.Object.(*corev1.Service); ok {
			got = "Service " + svc.Name
		}
		if ev.Type != want || got != "Service "+name {
			t.Fatalf("watch event %s %s, want %s of Service %s (%s)", ev.Type, got, want, name, why)
		}
	case <-time.After(eventWait):
		t.Fatalf("no %s watch event within %v after %s", want, eventWait, why)
	}
}
