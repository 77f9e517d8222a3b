package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// remediationRequest builds a RemediationRequest labelled with the run id.
func remediationRequest(name, id, fingerprint, severity, target string) *unstructured.Unstructured {
	spec := map[string]any{"signalFingerprint": fingerprint}
	if severity != "" {
		spec["severity"] = severity
	}
	if target != "" {
		spec["targetResource"] = target
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": remediationRequests.GroupVersion().String(),
		"kind":       "RemediationRequest",
		"metadata": map[string]any{
			"name":   name,
			"labels": map[string]any{runLabel: id},
		},
		"spec": spec,
	}}
}

// asServiceAccount is a dynamic client for RemediationRequests in ns that
// authenticates with the token in variable only.
func asServiceAccount(t *testing.T, variable, ns string) dynamic.ResourceInterface {
	t.Helper()
	return dynamic.NewForConfigOrDie(tokenConfig(t, variable)).Resource(remediationRequests).Namespace(ns)
}

// explainUnauthorized turns a 401 into a message about the token variable.
func explainUnauthorized(variable string, err error) string {
	if apierrors.IsUnauthorized(err) {
		return fmt.Sprintf("the API server did not accept %s as a credential (401): %v", variable, err)
	}
	return err.Error()
}

func TestRemediationRequestCRDServed(t *testing.T) {
	t.Parallel()
	cs := adminClientset(t)
	gv := remediationRequests.GroupVersion().String()
	list, err := cs.Discovery().ServerResourcesForGroupVersion(gv)
	if err != nil {
		t.Fatalf("discovery of %s: %v (apply examples/config/crd/ and wait for the CRD to be Established)", gv, err)
	}
	found := map[string]metav1.APIResource{}
	for _, r := range list.APIResources {
		found[r.Name] = r
	}
	rr, ok := found["remediationrequests"]
	if !ok || !rr.Namespaced || rr.Kind != "RemediationRequest" {
		t.Fatalf("%s serves %v; want namespaced remediationrequests of kind RemediationRequest", gv, list.APIResources)
	}
	if _, ok := found["remediationrequests/status"]; !ok {
		t.Fatalf("%s has no remediationrequests/status subresource", gv)
	}
}

func TestCreateRemediationRequestAsGatewayServiceAccount(t *testing.T) {
	t.Parallel()
	ns := gatewayNamespace(t)
	rrs := asServiceAccount(t, "TEST_TOKEN", ns)
	id, sel := runSelector(t, ns)
	ctx := testContext(t)

	name := "rr-" + id
	created, err := rrs.Create(ctx, remediationRequest(name, id, strings.Repeat("ab", 32), "critical", "Deployment/payments/checkout"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating RemediationRequest %s/%s as %s: %s", ns, name, gatewaySA, explainUnauthorized("TEST_TOKEN", err))
	}
	if created.GetUID() == "" {
		t.Fatalf("created RemediationRequest has no UID")
	}

	got, err := rrs.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting RemediationRequest %s/%s as %s: %v", ns, name, gatewaySA, err)
	}
	if sev, _, _ := unstructured.NestedString(got.Object, "spec", "severity"); sev != "critical" {
		t.Fatalf("spec.severity = %q, want critical", sev)
	}

	list, err := rrs.List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatalf("listing RemediationRequests %s as %s: %v", sel, gatewaySA, err)
	}
	if len(list.Items) != 1 || list.Items[0].GetName() != name {
		t.Fatalf("list %s as %s returned %d items, want just %s", sel, gatewaySA, len(list.Items), name)
	}

	// Least privilege: the Gateway creates requests, it never deletes them.
	err = rrs.Delete(ctx, name, metav1.DeleteOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("deleting as %s: err = %v, want Forbidden (the role grants create, get, list only)", gatewaySA, err)
	}
}

func TestUnauthorizedServiceAccountIsForbidden(t *testing.T) {
	t.Parallel()
	ns := gatewayNamespace(t)
	rrs := asServiceAccount(t, "TEST_UNAUTHORIZED_TOKEN", ns)
	id, sel := runSelector(t, ns)
	ctx := testContext(t)

	name := "rr-" + id
	_, err := rrs.Create(ctx, remediationRequest(name, id, strings.Repeat("cd", 32), "warning", ""), metav1.CreateOptions{})
	switch {
	case err == nil:
		t.Fatalf("%s (no bindings) created RemediationRequest %s/%s", unauthorizedSA, ns, name)
	case !apierrors.IsForbidden(err):
		t.Fatalf("creating as %s: want Forbidden, got %s", unauthorizedSA, explainUnauthorized("TEST_UNAUTHORIZED_TOKEN", err))
	}
	if !strings.Contains(err.Error(), serviceAccountUser(ns, unauthorizedSA)) {
		t.Errorf("the Forbidden error does not name the ServiceAccount user: %v", err)
	}

	if _, err := rrs.List(ctx, metav1.ListOptions{LabelSelector: sel}); !apierrors.IsForbidden(err) {
		t.Fatalf("listing as %s: err = %v, want Forbidden", unauthorizedSA, err)
	}

	// And nothing was created behind the error.
	left, err := adminDynamic(t).Resource(remediationRequests).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatalf("listing as admin: %v", err)
	}
	if len(left.Items) != 0 {
		t.Fatalf("a forbidden create left %d RemediationRequests behind", len(left.Items))
	}
}

// TestRemediationRequestSchema checks what the CRD's structural schema and
// status subresource enforce (as admin, so only the schema can refuse).
func TestRemediationRequestSchema(t *testing.T) {
	t.Parallel()
	ns := gatewayNamespace(t)
	rrs := adminDynamic(t).Resource(remediationRequests).Namespace(ns)
	id, _ := runSelector(t, ns)
	ctx := testContext(t)
	fp := strings.Repeat("ef", 32)

	t.Run("severity outside the enum is invalid", func(t *testing.T) {
		_, err := rrs.Create(ctx, remediationRequest("rr-sev-"+id, id, fp, "urgent", ""), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.severity") {
			t.Fatalf("severity=urgent: err = %v, want Invalid on spec.severity", err)
		}
	})

	t.Run("signalFingerprint is required", func(t *testing.T) {
		obj := remediationRequest("rr-nofp-"+id, id, fp, "info", "")
		unstructured.RemoveNestedField(obj.Object, "spec", "signalFingerprint")
		_, err := rrs.Create(ctx, obj, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "signalFingerprint") {
			t.Fatalf("no signalFingerprint: err = %v, want Invalid on spec.signalFingerprint", err)
		}
	})

	t.Run("unknown fields are pruned and status is set only through /status", func(t *testing.T) {
		obj := remediationRequest("rr-status-"+id, id, fp, "warning", "Pod/payments/checkout-0")
		_ = unstructured.SetNestedField(obj.Object, "ignored", "spec", "notInSchema")
		_ = unstructured.SetNestedField(obj.Object, "Completed", "status", "phase")
		created, err := createPruning(ctx, rrs, obj)
		if err != nil {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
		if _, found, _ := unstructured.NestedString(created.Object, "spec", "notInSchema"); found {
			t.Fatalf("spec.notInSchema survived: the schema should prune unknown fields")
		}
		if phase, found, _ := unstructured.NestedString(created.Object, "status", "phase"); found {
			t.Fatalf("status.phase = %q was stored on create; with the status subresource it must be dropped", phase)
		}

		_ = unstructured.SetNestedField(created.Object, "Processing", "status", "phase")
		updated, err := rrs.UpdateStatus(ctx, created, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("UpdateStatus: %v", err)
		}
		if phase, _, _ := unstructured.NestedString(updated.Object, "status", "phase"); phase != "Processing" {
			t.Fatalf("after UpdateStatus status.phase = %q, want Processing", phase)
		}
		if updated.GetGeneration() != created.GetGeneration() {
			t.Fatalf("a status update changed metadata.generation %d -> %d", created.GetGeneration(), updated.GetGeneration())
		}
	})
}

// createPruning creates obj, letting the server drop unknown fields (the
// default field validation would only warn about them).
func createPruning(ctx context.Context, rrs dynamic.ResourceInterface, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return rrs.Create(ctx, obj, metav1.CreateOptions{FieldValidation: metav1.FieldValidationIgnore})
}
