package gateway

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestSignalsBecomeOneRemediationRequestEach runs the Gateway's path end to
// end: authenticate the caller's token, authorize it, deduplicate each signal
// in Redis and create a RemediationRequest with the caller's own token for
// the new ones only.
func TestSignalsBecomeOneRemediationRequestEach(t *testing.T) {
	t.Parallel()
	token := requireEnv(t, "TEST_TOKEN", "token of ServiceAccount "+gatewaySA)
	ns := gatewayNamespace(t)
	rdb := redisClient(t)
	cs := adminClientset(t)
	rrs := asServiceAccount(t, "TEST_TOKEN", ns)
	id, sel := runSelector(t, ns)
	ctx := testContext(t)
	dedup := &deduplicator{rdb: rdb, prefix: keyPrefix(t, rdb), window: time.Minute}

	who, err := authenticate(ctx, cs, token)
	if err != nil {
		t.Fatal(err)
	}
	if !who.Authenticated {
		t.Fatalf("TEST_TOKEN is not authenticated (TokenReview error %q)", who.Error)
	}
	may, err := authorize(ctx, cs, who.Caller, "create", remediationRequests.Group, remediationRequests.Resource, ns)
	if err != nil {
		t.Fatal(err)
	}
	if !may.Allowed {
		t.Fatalf("SubjectAccessReview: %s may not create remediationrequests in %s (%v); is it bound to ClusterRole kubernaut-gateway-test?",
			who.Caller.Username, ns, may)
	}

	crash := signal{AlertName: "KubePodCrashLooping", Namespace: "payments", Kind: "Pod", Name: "checkout-0", Severity: "warning"}
	escalated := crash
	escalated.Severity = "critical"
	oom := signal{AlertName: "KubePodOOMKilled", Namespace: "payments", Kind: "Pod", Name: "checkout-1", Severity: "critical"}
	incoming := []signal{crash, crash, oom, escalated, oom, crash}

	var createdFor []string
	for i, s := range incoming {
		fp := s.fingerprint()
		isNew, err := dedup.accept(ctx, fp)
		if err != nil {
			t.Fatalf("signal %d: %v", i, err)
		}
		if !isNew {
			continue
		}
		name := "rr-" + fp[:12] + "-" + id
		target := s.Kind + "/" + s.Namespace + "/" + s.Name
		if _, err := rrs.Create(ctx, remediationRequest(name, id, fp, s.Severity, target), metav1.CreateOptions{}); err != nil {
			t.Fatalf("signal %d: creating RemediationRequest %s as %s: %s", i, name, gatewaySA, explainUnauthorized("TEST_TOKEN", err))
		}
		createdFor = append(createdFor, fp)
	}

	want := []string{crash.fingerprint(), oom.fingerprint()}
	if !slices.Equal(createdFor, want) {
		t.Fatalf("%d signals created %d RemediationRequests, want 2 (one per distinct fingerprint)", len(incoming), len(createdFor))
	}

	list, err := rrs.List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatalf("listing RemediationRequests %s as %s: %v", sel, gatewaySA, err)
	}
	var stored []string
	for _, item := range list.Items {
		fp, _, _ := unstructured.NestedString(item.Object, "spec", "signalFingerprint")
		stored = append(stored, fp)
	}
	slices.Sort(stored)
	slices.Sort(want)
	if !slices.Equal(stored, want) {
		t.Fatalf("the API server holds RemediationRequests for fingerprints %v, want %v", stored, want)
	}
}
