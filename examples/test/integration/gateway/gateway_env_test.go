package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// howToRun ends every "variable not set" message.
const howToRun = ": run through kubernaut.testinfra (make test-integration-gateway)"

const (
	defaultNamespace = "kubernaut-system"

	// The ServiceAccounts whose tokens arrive in TEST_TOKEN and
	// TEST_UNAUTHORIZED_TOKEN.
	gatewaySA      = "test-gateway-sa"
	unauthorizedSA = "test-unauthorized-sa"

	// runLabel marks every RemediationRequest a test creates with that
	// test's run id.
	runLabel = "testinfra.kubernaut.io/run"
)

// remediationRequests is the resource the CRD in examples/config/crd serves.
var remediationRequests = schema.GroupVersionResource{Group: "kubernaut.io", Version: "v1alpha1", Resource: "remediationrequests"}

var (
	// runID keeps Redis keys of concurrent runs apart.
	runID = newID()

	adminOnce sync.Once
	adminCfg  *rest.Config
	adminErr  error

	redisOnce sync.Once
	sharedRDB *redis.Client
	redisErr  error
)

// requireEnv returns the value of variable, failing the test (by name, never
// printing the value) when it is unset.
func requireEnv(t *testing.T, variable, what string) string {
	t.Helper()
	v := os.Getenv(variable)
	if v == "" {
		t.Fatalf("%s not set (%s)%s", variable, what, howToRun)
	}
	return v
}

// adminConfig is the rest.Config of the admin kubeconfig in KUBECONFIG.
func adminConfig(t *testing.T) *rest.Config {
	t.Helper()
	adminOnce.Do(func() {
		if os.Getenv("KUBECONFIG") == "" {
			adminErr = errors.New("KUBECONFIG not set (admin kubeconfig of the test cluster)" + howToRun)
			return
		}
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			adminErr = fmt.Errorf("loading KUBECONFIG=%s: %w", os.Getenv("KUBECONFIG"), err)
			return
		}
		cfg.QPS, cfg.Burst = 50, 100
		cfg.Timeout = 15 * time.Second
		cfg.UserAgent = "testinfra-examples-gateway"
		cs, err := kubernetes.NewForConfig(cfg)
		if err == nil {
			_, err = cs.Discovery().ServerVersion()
		}
		if err != nil {
			adminErr = fmt.Errorf("cannot reach the API server at %s (from KUBECONFIG): %w", cfg.Host, err)
			return
		}
		adminCfg = cfg
	})
	if adminErr != nil {
		t.Fatal(adminErr)
	}
	return rest.CopyConfig(adminCfg)
}

// adminClientset is a typed client with the admin credentials.
func adminClientset(t *testing.T) kubernetes.Interface {
	t.Helper()
	return kubernetes.NewForConfigOrDie(adminConfig(t))
}

// adminDynamic is a dynamic client with the admin credentials.
func adminDynamic(t *testing.T) dynamic.Interface {
	t.Helper()
	return dynamic.NewForConfigOrDie(adminConfig(t))
}

// tokenConfig acts as the ServiceAccount whose token is in variable: the
// admin kubeconfig's server and CA, no client certificate, and the token as
// bearer credential (rest.Config redacts it when printed; we never print it).
func tokenConfig(t *testing.T, variable string) *rest.Config {
	t.Helper()
	token := requireEnv(t, variable, "a ServiceAccount token")
	cfg := rest.AnonymousClientConfig(adminConfig(t))
	cfg.BearerToken = token
	cfg.UserAgent = "testinfra-examples-gateway-as-sa"
	return cfg
}

// gatewayNamespace is GATEWAY_NAMESPACE (default kubernaut-system); the test
// fails when it does not exist.
func gatewayNamespace(t *testing.T) string {
	t.Helper()
	ns := os.Getenv("GATEWAY_NAMESPACE")
	if ns == "" {
		ns = defaultNamespace
	}
	ctx := testContext(t)
	got, err := adminClientset(t).CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		t.Fatalf("namespace %q (GATEWAY_NAMESPACE) does not exist: the playbook creates it before go test", ns)
	case err != nil:
		t.Fatalf("reading namespace %q (GATEWAY_NAMESPACE): %v", ns, err)
	case got.Status.Phase != corev1.NamespaceActive:
		t.Fatalf("namespace %q (GATEWAY_NAMESPACE) is %s, not Active", ns, got.Status.Phase)
	}
	return ns
}

// serviceAccountUser is the username Kubernetes gives ServiceAccount sa.
func serviceAccountUser(ns, sa string) string {
	return "system:serviceaccount:" + ns + ":" + sa
}

// redisClient returns the shared Redis client (REDIS_URL, or REDIS_ADDR +
// REDIS_PASSWORD), failing the test clearly when it is missing or unreachable.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	redisOnce.Do(func() {
		var opts *redis.Options
		source := "REDIS_URL"
		if url := os.Getenv("REDIS_URL"); url != "" {
			var err error
			if opts, err = redis.ParseURL(url); err != nil {
				redisErr = fmt.Errorf("REDIS_URL is not a valid redis:// URL: %w", err)
				return
			}
		} else if addr := os.Getenv("REDIS_ADDR"); addr != "" {
			opts, source = &redis.Options{Addr: addr, Password: os.Getenv("REDIS_PASSWORD")}, "REDIS_ADDR"
		} else {
			redisErr = errors.New("REDIS_ADDR not set (host:port of Redis, or REDIS_URL)" + howToRun)
			return
		}
		opts.DialTimeout = 5 * time.Second
		opts.ClientName = "testinfra-examples-gateway"
		rdb := redis.NewClient(opts)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rdb.Ping(ctx).Err(); err != nil {
			_ = rdb.Close()
			redisErr = fmt.Errorf("cannot reach Redis at %s (from %s): %w", opts.Addr, source, err)
			return
		}
		sharedRDB = rdb
	})
	if redisErr != nil {
		t.Fatal(redisErr)
	}
	return sharedRDB
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRDB != nil {
		_ = sharedRDB.Close()
	}
	os.Exit(code)
}

// newID returns a short lower-case id that is unique per call, usable in
// object names, label values and Redis keys.
func newID() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return time.Now().UTC().Format("150405") + "-" + hex.EncodeToString(b)
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9_/.-]`)

// keyPrefix returns a Redis key prefix unique to this run and this (sub)test,
// and deletes every key under it when the test ends.
func keyPrefix(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	prefix := fmt.Sprintf("testinfra:examples:gateway:%s:%s:", runID, unsafeKeyChars.ReplaceAllString(t.Name(), "_"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var keys []string
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("cleanup: scanning %s*: %v", prefix, err)
			return
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				t.Errorf("cleanup: unlinking %d keys: %v", len(keys), err)
			}
		}
	})
	return prefix
}

// runSelector returns a fresh run id for this test and deletes (as admin) the
// RemediationRequests labelled with it in ns when the test ends.
func runSelector(t *testing.T, ns string) (id, selector string) {
	t.Helper()
	id = newID()
	selector = runLabel + "=" + id
	dyn := adminDynamic(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		rrs := dyn.Resource(remediationRequests).Namespace(ns)
		err := rrs.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: selector})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("cleanup: deleting RemediationRequests %s in %s: %v", selector, ns, err)
			return
		}
		if left, err := rrs.List(ctx, metav1.ListOptions{LabelSelector: selector}); err == nil && len(left.Items) > 0 {
			t.Errorf("cleanup: %d RemediationRequests %s are left in %s", len(left.Items), selector, ns)
		}
	})
	return id, selector
}

// testContext is canceled when the test ends, like t.Context, and also
// bounds the test to 30s so a stuck API call fails instead of hanging.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
