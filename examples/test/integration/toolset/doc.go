// Package toolset holds the example Dynamic Toolset integration tests (plain
// testing + client-go) that kubernaut.testinfra runs against a Kubernetes API
// server: the Toolset service discovers the tools it may call (Prometheus,
// Grafana, ...) from Services labelled kubernaut.io/toolset=enabled and
// annotated with kubernaut.io/toolset-* keys.
//
// Environment:
//
//	KUBECONFIG               admin kubeconfig of the test cluster (required)
//	TOOLSET_NAMESPACE        existing namespace the tests create Services in
//	                         (default kubernaut-toolset)
//	TOOLSET_OTHER_NAMESPACE  a second existing namespace for the
//	                         cross-namespace tests (default "default")
//
// The cluster may be a bare kube-apiserver + etcd (no controller-manager, no
// nodes), so the tests use API objects only and never wait for Pods or
// Endpoints. Every test labels what it creates with its own run id and
// deletes it afterwards, so the suite can be re-run on the same cluster.
// See ../../../README.md.
package toolset
