package toolset

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// missingEnvMessage is what every test reports when the suite is run without
// the environment kubernaut.testinfra exports.
const missingEnvMessage = "KUBECONFIG not set: run through kubernaut.testinfra " +
	"(make test-integration-toolset), or export KUBECONFIG=/path/to/admin.kubeconfig"

const (
	defaultNamespace      = "kubernaut-toolset"
	defaultOtherNamespace = "default"

	// runLabel marks every object a test creates with that test's run id,
	// so concurrent runs and re-runs never see each other's Services.
	runLabel = "testinfra.kubernaut.io/run"
)

var (
	clientOnce sync.Once
	sharedCS   kubernetes.Interface
	clientErr  error
)

// clientset returns the shared admin clientset, failing the calling test with
// a clear message when KUBECONFIG is missing or the API server unreachable.
func clientset(t *testing.T) kubernetes.Interface {
	t.Helper()
	clientOnce.Do(func() {
		if os.Getenv("KUBECONFIG") == "" {
			clientErr = errors.New(missingEnvMessage)
			return
		}
		// The default loading rules honour KUBECONFIG, including a
		// colon-separated list of files.
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			clientErr = fmt.Errorf("loading KUBECONFIG=%s: %w", os.Getenv("KUBECONFIG"), err)
			return
		}
		cfg.QPS, cfg.Burst = 50, 100
		cfg.Timeout = 15 * time.Second
		cfg.UserAgent = "testinfra-examples-toolset"
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			clientErr = fmt.Errorf("building a client for %s: %w", cfg.Host, err)
			return
		}
		if _, err := cs.Discovery().ServerVersion(); err != nil {
			clientErr = fmt.Errorf("cannot reach the API server at %s (from KUBECONFIG): %w", cfg.Host, err)
			return
		}
		sharedCS = cs
	})
	if clientErr != nil {
		t.Fatal(clientErr)
	}
	return sharedCS
}

// namespaceFromEnv returns the namespace named by variable (or def), failing
// the test when it does not exist or is being deleted.
func namespaceFromEnv(t *testing.T, cs kubernetes.Interface, variable, def string) string {
	t.Helper()
	ns := os.Getenv(variable)
	if ns == "" {
		ns = def
	}
	ctx := testContext(t)
	got, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		t.Fatalf("namespace %q (%s) does not exist: the playbook creates it before go test", ns, variable)
	case err != nil:
		t.Fatalf("reading namespace %q (%s): %v", ns, variable, err)
	case got.Status.Phase != corev1.NamespaceActive:
		t.Fatalf("namespace %q (%s) is %s, not Active", ns, variable, got.Status.Phase)
	}
	return ns
}

// toolsetNamespace is TOOLSET_NAMESPACE (default kubernaut-toolset).
func toolsetNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	return namespaceFromEnv(t, cs, "TOOLSET_NAMESPACE", defaultNamespace)
}

// otherNamespace is TOOLSET_OTHER_NAMESPACE (default "default").
func otherNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	return namespaceFromEnv(t, cs, "TOOLSET_OTHER_NAMESPACE", defaultOtherNamespace)
}

// newID returns a short lower-case id that is unique per call: the time keeps
// leftovers sortable, the random part keeps parallel tests apart. It is a
// valid label value and DNS label suffix.
func newID() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return time.Now().UTC().Format("150405") + "-" + hex.EncodeToString(b)
}

// testRun is one test's share of the cluster: a run id put on every object
// it creates, and a cleanup that deletes them all (in every namespace) when
// the test ends, whether it passed or not.
type testRun struct {
	t  *testing.T
	cs kubernetes.Interface
	id string
}

func newTestRun(t *testing.T, cs kubernetes.Interface) *testRun {
	t.Helper()
	r := &testRun{t: t, cs: cs, id: newID()}
	t.Cleanup(r.cleanup)
	return r
}

// selector is the label selector matching everything this run created.
func (r *testRun) selector() string { return runLabel + "=" + r.id }

// serviceSpec describes a Service a test wants.
type serviceSpec struct {
	namespace   string
	name        string // a suffix; the run id is appended
	toolset     bool   // label kubernaut.io/toolset=enabled
	annotations map[string]string
	ports       []int32 // default: one port, 8080
}

// createService creates the Service described by s, labelled with the run id.
func (r *testRun) createService(ctx context.Context, s serviceSpec) *corev1.Service {
	r.t.Helper()
	labels := map[string]string{runLabel: r.id, "app.kubernetes.io/name": s.name}
	if s.toolset {
		labels[toolsetLabel] = toolsetEnabled
	}
	ports := s.ports
	if len(ports) == 0 {
		ports = []int32{8080}
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:        fmt.Sprintf("%s-%s", s.name, r.id),
			Namespace:   s.namespace,
			Labels:      labels,
			Annotations: s.annotations,
		},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: map[string]string{"app.kubernetes.io/name": s.name},
		},
	}
	for i, p := range ports {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
			Name: fmt.Sprintf("p%d", i), Port: p, TargetPort: intstr.FromInt32(p), Protocol: corev1.ProtocolTCP,
		})
	}
	got, err := r.cs.CoreV1().Services(s.namespace).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		r.t.Fatalf("creating Service %s/%s: %v", s.namespace, svc.Name, err)
	}
	return got
}

// deleteService deletes one Service and fails the test if that is refused.
func (r *testRun) deleteService(ctx context.Context, svc *corev1.Service) {
	r.t.Helper()
	if err := r.cs.CoreV1().Services(svc.Namespace).Delete(ctx, svc.Name, metav1.DeleteOptions{}); err != nil {
		r.t.Fatalf("deleting Service %s/%s: %v", svc.Namespace, svc.Name, err)
	}
}

// cleanup deletes every Service carrying the run id, in all namespaces
// (Services do not support DELETE on the collection), and checks none is left.
func (r *testRun) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := r.cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: r.selector()})
	if err != nil {
		r.t.Errorf("cleanup: listing Services %s: %v", r.selector(), err)
		return
	}
	for _, svc := range list.Items {
		err := r.cs.CoreV1().Services(svc.Namespace).Delete(ctx, svc.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			r.t.Errorf("cleanup: deleting Service %s/%s: %v", svc.Namespace, svc.Name, err)
		}
	}
	left, err := r.cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: r.selector()})
	if err == nil && len(left.Items) > 0 {
		r.t.Errorf("cleanup: %d Services with %s still exist after deletion", len(left.Items), r.selector())
	}
}

// testContext is canceled when the test ends, like t.Context, and also
// bounds the test to 30s so a stuck API call fails instead of hanging.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
