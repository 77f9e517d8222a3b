package inprocess

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

var (
	cfg     *rest.Config
	k8s     client.Client
	testEnv *envtest.Environment
	rrKind  = schema.GroupVersionKind{Group: "kubernaut.io", Version: "v1alpha1", Kind: "RemediationRequest"}
)

// TestMain starts etcd and kube-apiserver from KUBEBUILDER_ASSETS (or the
// TEST_ASSET_* variables) with the example CRD installed, and stops them.
func TestMain(m *testing.M) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" && os.Getenv("TEST_ASSET_KUBE_APISERVER") == "" {
		println("KUBEBUILDER_ASSETS is not set: run with the envtest_assets backend, or KUBEBUILDER_ASSETS=$(make envtest-assets)")
		os.Exit(1)
	}
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "..", "config", "crd")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	if err != nil {
		println("envtest did not start: " + err.Error())
		os.Exit(1)
	}
	k8s, err = client.New(cfg, client.Options{})
	code := 1
	if err != nil {
		println("client: " + err.Error())
	} else {
		code = m.Run()
	}
	if err := testEnv.Stop(); err != nil {
		println("envtest did not stop: " + err.Error())
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "inprocess-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

func TestCRDInstalled(t *testing.T) {
	if len(testEnv.CRDs) != 1 || testEnv.CRDs[0].Name != "remediationrequests.kubernaut.io" {
		t.Fatalf("installed CRDs: %d, want remediationrequests.kubernaut.io", len(testEnv.CRDs))
	}
	mapping, err := k8s.RESTMapper().RESTMapping(rrKind.GroupKind(), rrKind.Version)
	if err != nil {
		t.Fatalf("RESTMapping of %s: %v", rrKind, err)
	}
	if mapping.Resource.Resource != "remediationrequests" {
		t.Fatalf("resource %q, want remediationrequests", mapping.Resource.Resource)
	}
}

func TestRemediationRequestLifecycle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := namespace(t)
	rr := &unstructured.Unstructured{}
	rr.SetGroupVersionKind(rrKind)
	rr.SetNamespace(ns)
	rr.SetName("high-memory")
	if err := unstructured.SetNestedField(rr.Object, map[string]interface{}{
		"signalFingerprint": "f00d",
		"severity":          "critical",
		"targetResource":    "Deployment/payments/checkout",
	}, "spec"); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, rr); err != nil {
		t.Fatalf("create RemediationRequest: %v", err)
	}
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(rrKind)
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(rr), got); err != nil {
		t.Fatalf("get RemediationRequest: %v", err)
	}
	if sev, _, _ := unstructured.NestedString(got.Object, "spec", "severity"); sev != "critical" {
		t.Fatalf("spec.severity %q, want critical", sev)
	}
	if err := unstructured.SetNestedField(got.Object, "Processing", "status", "phase"); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Status().Update(ctx, got); err != nil {
		t.Fatalf("update status: %v", err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(rr), got); err != nil {
		t.Fatal(err)
	}
	if phase, _, _ := unstructured.NestedString(got.Object, "status", "phase"); phase != "Processing" {
		t.Fatalf("status.phase %q, want Processing", phase)
	}
	if err := k8s.Delete(ctx, got); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(rr), got); !apierrors.IsNotFound(err) {
		t.Fatalf("after delete: %v, want NotFound", err)
	}
}

func TestKubectlFromAssets(t *testing.T) {
	kubectl := os.Getenv("TEST_ASSET_KUBECTL")
	if kubectl == "" {
		kubectl = filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	}
	user, err := testEnv.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatalf("add user: %v", err)
	}
	kubectlCmd, err := user.Kubectl()
	if err != nil {
		t.Fatalf("kubectl of envtest: %v", err)
	}
	if kubectlCmd.Path != kubectl {
		t.Logf("envtest's kubectl %s, assets' %s", kubectlCmd.Path, kubectl)
	}
	args := append(kubectlCmd.Opts, "get", "crd", "remediationrequests.kubernaut.io", "-o", "jsonpath={.status.acceptedNames.kind}")
	out, err := exec.Command(kubectl, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s get crd: %v\n%s", kubectl, err, out)
	}
	if strings.TrimSpace(string(out)) != "RemediationRequest" {
		t.Fatalf("kubectl printed %q, want RemediationRequest", out)
	}
}
