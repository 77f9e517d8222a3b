package toolset

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// kubeSystemImage is the image of the first kube-system Pod with label component=<component> (a kubeadm static
// Pod) or k8s-app=<component> (a DaemonSet's), or "" when there is none. Clusters without registry access can
// run those images: their nodes have them.
func kubeSystemImage(ctx context.Context, cs kubernetes.Interface, selector string) string {
	pods, err := cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil || len(pods.Items) == 0 || len(pods.Items[0].Spec.Containers) == 0 {
		return ""
	}
	return pods.Items[0].Spec.Containers[0].Image
}

// TestWorkloadReadyAndReachableByClusterDNS runs a Deployment (etcd as a small HTTP server: /health) until its Pod
// is Ready, puts a Service in front of it, and reaches the Service by its cluster DNS name from another Pod: the
// pod network, kube-proxy and CoreDNS of a real cluster. Skipped on clusters without nodes (envtest).
func TestWorkloadReadyAndReachableByClusterDNS(t *testing.T) {
	cs := clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing nodes: %v", err)
	}
	if len(nodes.Items) == 0 {
		t.Skip("the cluster has no nodes (envtest runs an API server only): nothing can run a Pod")
	}
	server := kubeSystemImage(ctx, cs, "component=etcd")
	client := kubeSystemImage(ctx, cs, "k8s-app=kube-proxy")
	if server == "" || client == "" {
		t.Skip("no kubeadm etcd and kube-proxy Pods in kube-system to borrow images from")
	}
	ns := toolsetNamespace(t, cs)
	r := newTestRun(t, cs)
	name := "web-" + r.id
	labels := map[string]string{runLabel: r.id, "app.kubernetes.io/name": name}
	one := int32(1)
	deployments := cs.AppsV1().Deployments(ns)
	pods := cs.CoreV1().Pods(ns)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = deployments.Delete(ctx, name, metav1.DeleteOptions{})
		_ = pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: r.selector()})
	})
	_, err = deployments.Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					Containers: []corev1.Container{{
						Name:  "web",
						Image: server,
						Command: []string{"etcd", "--name=web", "--data-dir=/tmp/web",
							"--listen-client-urls=http://0.0.0.0:2379", "--advertise-client-urls=http://127.0.0.1:2379",
							"--listen-peer-urls=http://127.0.0.1:2380"},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
								Path: "/health", Port: intstr.FromInt32(2379)}},
							PeriodSeconds: 1,
						},
					}},
				},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating Deployment %s/%s: %v", ns, name, err)
	}
	svc := r.createService(ctx, serviceSpec{namespace: ns, name: "web", ports: []int32{2379}})
	svc.Spec.Selector = labels
	if _, err := cs.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pointing Service %s at the Deployment: %v", svc.Name, err)
	}
	err = wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := deployments.Get(ctx, name, metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == 1, nil
	})
	if err != nil {
		t.Fatalf("Deployment %s/%s has no Ready Pod: %v", ns, name, err)
	}

	host := fmt.Sprintf("%s.%s.svc.cluster.local", svc.Name, ns)
	script := fmt.Sprintf(`for i in $(seq 60); do exec 3<>/dev/tcp/%s/2379 && break; sleep 1; done; `+
		`printf 'GET /health HTTP/1.0\r\n\r\n' >&3; cat <&3`, host)
	_, err = pods.Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "client-" + r.id, Labels: map[string]string{runLabel: r.id}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Tolerations:   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers:    []corev1.Container{{Name: "client", Image: client, Command: []string{"bash", "-c", script}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating the client Pod: %v", err)
	}
	var phase corev1.PodPhase
	var reason string
	err = wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := pods.Get(ctx, "client-"+r.id, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		phase = p.Status.Phase
		for _, s := range p.Status.ContainerStatuses {
			if s.State.Waiting != nil && s.State.Waiting.Reason == "CreateContainerError" ||
				s.State.Terminated != nil && strings.Contains(s.State.Terminated.Message, "executable file not found") {
				reason = "no bash in " + client
				return true, nil
			}
		}
		return phase == corev1.PodSucceeded || phase == corev1.PodFailed, nil
	})
	if reason != "" {
		t.Skip("the client needs bash in the kube-proxy image: " + reason)
	}
	logs, _ := pods.GetLogs("client-"+r.id, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil || phase != corev1.PodSucceeded || !strings.Contains(string(logs), `"health":"true"`) {
		t.Fatalf("GET http://%s:2379/health from a Pod: phase %s, err %v, output:\n%s", host, phase, err, logs)
	}
}
