package toolset

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAPIServerReachable(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("GET /version: %v", err)
	}
	ns := toolsetNamespace(t, cs)
	t.Logf("kube-apiserver %s (%s), TOOLSET_NAMESPACE=%s", v.GitVersion, v.Platform, ns)

	ctx := testContext(t)
	if _, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		t.Fatalf("listing Services in %s (the kubeconfig must allow it): %v", ns, err)
	}
}

func TestDiscoverLabelledServices(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := toolsetNamespace(t, cs)
	ctx := testContext(t)
	run := newTestRun(t, cs)

	prom := run.createService(ctx, serviceSpec{namespace: ns, name: "prometheus", toolset: true,
		ports:       []int32{9090},
		annotations: map[string]string{annotationType: "prometheus", annotationPath: "/api/v1"}})
	graf := run.createService(ctx, serviceSpec{namespace: ns, name: "grafana", toolset: true,
		ports:       []int32{3000},
		annotations: map[string]string{annotationType: "grafana", annotationPort: "3000"}})
	jaeg := run.createService(ctx, serviceSpec{namespace: ns, name: "jaeger", toolset: true,
		ports:       []int32{16686, 14250},
		annotations: map[string]string{annotationType: "jaeger", annotationPort: "16686", annotationPath: "/api/traces"}})
	// Same run, same annotations, but not opted in: must be ignored.
	run.createService(ctx, serviceSpec{namespace: ns, name: "loki", toolset: false,
		annotations: map[string]string{annotationType: "loki"}})
	run.createService(ctx, serviceSpec{namespace: ns, name: "checkout", toolset: false})

	d := &discovery{cs: cs, namespaces: []string{ns}, extra: run.selector()}
	tools, err := d.list(ctx)
	if err != nil {
		t.Fatalf("discovery reported unusable Services: %v", err)
	}
	if got, want := keys(tools), svcKeys(prom, graf, jaeg); !slices.Equal(got, want) {
		t.Fatalf("discovered %v, want exactly the labelled %v (loki and checkout lack %s=%s)",
			got, want, toolsetLabel, toolsetEnabled)
	}
	for _, tl := range tools {
		t.Logf("discovered %-10s %s", tl.Type, tl.URL())
	}

	// The label is what opts a Service in: listing the run without it
	// returns all five Services.
	all, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: run.selector()})
	if err != nil {
		t.Fatalf("listing the run's Services: %v", err)
	}
	if len(all.Items) != 5 {
		t.Fatalf("the run has %d Services, want 5", len(all.Items))
	}
}

func TestUnlabelledServicesAreIgnored(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := toolsetNamespace(t, cs)
	ctx := testContext(t)
	run := newTestRun(t, cs)

	annotated := map[string]string{annotationType: "prometheus", annotationPort: "8080"}
	for _, spec := range []serviceSpec{
		{namespace: ns, name: "annotated-only", annotations: annotated},
		{namespace: ns, name: "plain"},
	} {
		run.createService(ctx, spec)
	}
	// A toolset label with any other value is not an opt-in either.
	disabled := run.createService(ctx, serviceSpec{namespace: ns, name: "disabled", annotations: annotated})
	disabled.Labels[toolsetLabel] = "disabled"
	if _, err := cs.CoreV1().Services(ns).Update(ctx, disabled, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("labelling %s/%s %s=disabled: %v", ns, disabled.Name, toolsetLabel, err)
	}

	d := &discovery{cs: cs, namespaces: []string{ns}, extra: run.selector()}
	tools, err := d.list(ctx)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if len(tools) != 0 {
		t.Fatalf("discovered %v from Services that are not labelled %s=%s", keys(tools), toolsetLabel, toolsetEnabled)
	}
}

func TestDeletedServiceLeavesDiscovery(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := toolsetNamespace(t, cs)
	ctx := testContext(t)
	run := newTestRun(t, cs)

	keep := run.createService(ctx, serviceSpec{namespace: ns, name: "keep", toolset: true,
		annotations: map[string]string{annotationType: "prometheus"}})
	gone := run.createService(ctx, serviceSpec{namespace: ns, name: "gone", toolset: true,
		annotations: map[string]string{annotationType: "grafana"}})

	d := &discovery{cs: cs, namespaces: []string{ns}, extra: run.selector()}
	before, err := d.list(ctx)
	if err != nil {
		t.Fatalf("discovery before deletion: %v", err)
	}
	if got, want := keys(before), svcKeys(keep, gone); !slices.Equal(got, want) {
		t.Fatalf("before deletion discovered %v, want %v", got, want)
	}

	run.deleteService(ctx, gone)

	after, err := d.list(ctx)
	if err != nil {
		t.Fatalf("discovery after deletion: %v", err)
	}
	if got, want := keys(after), svcKeys(keep); !slices.Equal(got, want) {
		t.Fatalf("after deleting %s/%s discovered %v, want %v", ns, gone.Name, got, want)
	}
}

func TestDiscoveryNamespaceScope(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := toolsetNamespace(t, cs)
	other := otherNamespace(t, cs)
	if other == ns {
		t.Fatalf("TOOLSET_OTHER_NAMESPACE and TOOLSET_NAMESPACE are both %q; the test needs two namespaces", ns)
	}
	ctx := testContext(t)
	run := newTestRun(t, cs)

	ann := map[string]string{annotationType: "prometheus"}
	here := run.createService(ctx, serviceSpec{namespace: ns, name: "prom-here", toolset: true, annotations: ann})
	there := run.createService(ctx, serviceSpec{namespace: other, name: "prom-there", toolset: true, annotations: ann})

	for _, tc := range []struct {
		name       string
		namespaces []string
		want       []string
	}{
		{"own namespace only", []string{ns}, svcKeys(here)},
		{"other namespace only", []string{other}, svcKeys(there)},
		{"both namespaces asked for", []string{ns, other}, svcKeys(here, there)},
		{"whole cluster", []string{metav1.NamespaceAll}, svcKeys(here, there)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &discovery{cs: cs, namespaces: tc.namespaces, extra: run.selector()}
			tools, err := d.list(ctx)
			if err != nil {
				t.Fatalf("discovery in %q: %v", tc.namespaces, err)
			}
			if got := keys(tools); !slices.Equal(got, tc.want) {
				t.Fatalf("discovery in %q found %v, want %v", tc.namespaces, got, tc.want)
			}
		})
	}

	t.Run("no namespace is an error, not the whole cluster", func(t *testing.T) {
		d := &discovery{cs: cs, extra: run.selector()}
		if _, err := d.list(ctx); err == nil || !strings.Contains(err.Error(), "no namespaces") {
			t.Fatalf("discovery with no namespaces: err = %v, want a 'no namespaces' error", err)
		}
	})
}
