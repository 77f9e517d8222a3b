// Package inprocess holds an example suite that starts its own control plane
// in-process with controller-runtime's envtest.Environment, the way most of
// kubernaut's integration suites do: no cluster is given to it, only the
// binaries.
//
// Environment (kubernaut.testinfra's envtest_assets backend sets them; by
// hand: KUBEBUILDER_ASSETS=$(make envtest-assets)):
//
//	KUBEBUILDER_ASSETS         directory with kube-apiserver, etcd and kubectl
//	TEST_ASSET_KUBE_APISERVER  the kube-apiserver binary (optional)
//	TEST_ASSET_ETCD            the etcd binary (optional)
//	TEST_ASSET_KUBECTL         the kubectl binary (optional)
//
// The suite installs the CRD in ../../../config/crd, creates, reads, updates
// the status of and deletes a RemediationRequest with a controller-runtime
// client, and runs kubectl from the assets against the control plane.
package inprocess
