// Package gateway holds the example Gateway integration tests (plain testing +
// client-go + go-redis) that kubernaut.testinfra runs against a Kubernetes API
// server and Redis. The Gateway authenticates callers with TokenReview,
// authorizes them with SubjectAccessReview, deduplicates signals in Redis and
// creates a RemediationRequest (examples/config/crd/) for each new signal.
//
// Environment (all exported by the collection):
//
//	KUBECONFIG               admin kubeconfig of the test cluster
//	GATEWAY_NAMESPACE        namespace of the test ServiceAccounts and of the
//	                         RemediationRequests the tests create
//	                         (default kubernaut-system)
//	TEST_TOKEN               token of ServiceAccount test-gateway-sa, bound to
//	                         a ClusterRole allowing create, get and list on
//	                         remediationrequests.kubernaut.io
//	TEST_UNAUTHORIZED_TOKEN  token of ServiceAccount test-unauthorized-sa
//	                         (no bindings)
//	REDIS_URL                redis://[:password@]host:port/0, or
//	REDIS_ADDR               host:port, with optional REDIS_PASSWORD
//
// A test fails, naming the variable, when what it needs is missing. Token
// values are never logged. The cluster may be a bare kube-apiserver + etcd
// (no controller-manager, no nodes): the tests only use API objects. Each
// test labels or prefixes what it creates with its own run id and deletes it
// afterwards, so the suite can be re-run. See ../../../README.md.
package gateway
