package toolset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// The labels and annotations the Dynamic Toolset reads from a Service.
const (
	toolsetLabel   = "kubernaut.io/toolset"
	toolsetEnabled = "enabled"

	annotationType = "kubernaut.io/toolset-type" // required: prometheus, grafana, ...
	annotationPort = "kubernaut.io/toolset-port" // optional when the Service has exactly one port
	annotationPath = "kubernaut.io/toolset-path" // optional, default "/"
)

// tool is what the Toolset service makes of one annotated Service.
type tool struct {
	Namespace string
	Service   string
	Type      string
	Port      int32
	Path      string
}

// URL is the in-cluster address the Toolset would call.
func (t tool) URL() string {
	return fmt.Sprintf("http://%s.%s.svc.cluster.local:%d%s", t.Service, t.Namespace, t.Port, t.Path)
}

// key identifies a tool across namespaces.
func (t tool) key() string { return t.Namespace + "/" + t.Service }

// toolFromService reads the kubernaut.io/toolset-* annotations of svc. It
// returns an error naming the offending annotation when they are unusable.
func toolFromService(svc *corev1.Service) (tool, error) {
	ref := svc.Namespace + "/" + svc.Name
	if svc.Labels[toolsetLabel] != toolsetEnabled {
		return tool{}, fmt.Errorf("Service %s is not labelled %s=%s", ref, toolsetLabel, toolsetEnabled)
	}
	tl := tool{Namespace: svc.Namespace, Service: svc.Name, Path: "/"}

	tl.Type = strings.TrimSpace(svc.Annotations[annotationType])
	if tl.Type == "" {
		return tool{}, fmt.Errorf("Service %s: annotation %s is missing", ref, annotationType)
	}

	if raw, ok := svc.Annotations[annotationPort]; ok {
		p, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 32)
		if err != nil || p < 1 || p > 65535 {
			return tool{}, fmt.Errorf("Service %s: annotation %s=%q is not a port number", ref, annotationPort, raw)
		}
		if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return int64(sp.Port) == p }) {
			return tool{}, fmt.Errorf("Service %s: annotation %s=%d is not one of the Service's ports", ref, annotationPort, p)
		}
		tl.Port = int32(p)
	} else {
		if len(svc.Spec.Ports) != 1 {
			return tool{}, fmt.Errorf("Service %s has %d ports and no %s annotation", ref, len(svc.Spec.Ports), annotationPort)
		}
		tl.Port = svc.Spec.Ports[0].Port
	}

	if raw, ok := svc.Annotations[annotationPath]; ok {
		if !strings.HasPrefix(raw, "/") {
			return tool{}, fmt.Errorf("Service %s: annotation %s=%q must start with /", ref, annotationPath, raw)
		}
		tl.Path = raw
	}
	return tl, nil
}

// discovery lists the tools in the namespaces it is told to look in: an
// explicit list, or metav1.NamespaceAll for the whole cluster. extra narrows
// the label selector further (the tests use it for their run id).
type discovery struct {
	cs         kubernetes.Interface
	namespaces []string
	extra      string
}

// selector is the label selector discovery lists and watches with.
func (d *discovery) selector() (string, error) {
	s := toolsetLabel + "=" + toolsetEnabled
	if d.extra != "" {
		s += "," + d.extra
	}
	if _, err := labels.Parse(s); err != nil {
		return "", fmt.Errorf("bad label selector %q: %w", s, err)
	}
	return s, nil
}

// list returns the tools found, sorted by namespace/name, and one error per
// labelled Service whose annotations could not be used.
func (d *discovery) list(ctx context.Context) ([]tool, error) {
	if len(d.namespaces) == 0 {
		return nil, errors.New("discovery has no namespaces (use metav1.NamespaceAll for all)")
	}
	sel, err := d.selector()
	if err != nil {
		return nil, err
	}
	var tools []tool
	var bad []error
	for _, ns := range d.namespaces {
		svcs, err := d.cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return nil, fmt.Errorf("listing Services in namespace %q with %s: %w", ns, sel, err)
		}
		for i := range svcs.Items {
			tl, err := toolFromService(&svcs.Items[i])
			if err != nil {
				bad = append(bad, err)
				continue
			}
			tools = append(tools, tl)
		}
	}
	slices.SortFunc(tools, func(a, b tool) int { return strings.Compare(a.key(), b.key()) })
	return tools, errors.Join(bad...)
}

// keys returns the namespace/name of each tool, for comparisons.
func keys(tools []tool) []string {
	out := make([]string, len(tools))
	for i, tl := range tools {
		out[i] = tl.key()
	}
	return out
}

// svcKeys returns the sorted namespace/name of each Service.
func svcKeys(svcs ...*corev1.Service) []string {
	out := make([]string, len(svcs))
	for i, s := range svcs {
		out[i] = s.Namespace + "/" + s.Name
	}
	slices.Sort(out)
	return out
}
