package toolset

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestToolAnnotations stores annotated Services in the API server, reads them
// back and checks what the Toolset makes of their annotations.
func TestToolAnnotations(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := toolsetNamespace(t, cs)
	ctx := testContext(t)
	run := newTestRun(t, cs)

	valid := []struct {
		name  string
		ports []int32
		ann   map[string]string
		want  tool // Namespace and Service are filled in below
	}{
		{"all-annotations", []int32{9090},
			map[string]string{annotationType: "prometheus", annotationPort: "9090", annotationPath: "/api/v1/query"},
			tool{Type: "prometheus", Port: 9090, Path: "/api/v1/query"}},
		{"defaults", []int32{3000},
			map[string]string{annotationType: "grafana"},
			tool{Type: "grafana", Port: 3000, Path: "/"}},
		{"port-picks-one-of-many", []int32{16686, 14250},
			map[string]string{annotationType: "jaeger", annotationPort: " 14250 "},
			tool{Type: "jaeger", Port: 14250, Path: "/"}},
	}
	for _, tc := range valid {
		svc := run.createService(ctx, serviceSpec{namespace: ns, name: tc.name, toolset: true, ports: tc.ports, annotations: tc.ann})
		t.Run(tc.name, func(t *testing.T) {
			// Read it back from the API server rather than trusting the
			// object we sent.
			stored, err := cs.CoreV1().Services(ns).Get(ctx, svc.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("GET Service %s/%s: %v", ns, svc.Name, err)
			}
			got, err := toolFromService(stored)
			if err != nil {
				t.Fatalf("toolFromService: %v", err)
			}
			want := tc.want
			want.Namespace, want.Service = ns, svc.Name
			if got != want {
				t.Fatalf("annotations %v gave %+v, want %+v", tc.ann, got, want)
			}
			if !strings.HasPrefix(got.URL(), "http://"+svc.Name+"."+ns+".svc.cluster.local:") {
				t.Fatalf("URL %q does not address the Service", got.URL())
			}
		})
	}

	invalid := []struct {
		name    string
		ports   []int32
		ann     map[string]string
		wantErr string // must appear in the error
	}{
		{"no-type", nil, map[string]string{annotationPort: "8080"}, annotationType + " is missing"},
		{"port-not-a-number", nil, map[string]string{annotationType: "prometheus", annotationPort: "http"}, annotationPort + `="http" is not a port number`},
		{"port-out-of-range", nil, map[string]string{annotationType: "prometheus", annotationPort: "70000"}, "is not a port number"},
		{"port-not-exposed", nil, map[string]string{annotationType: "prometheus", annotationPort: "9999"}, "is not one of the Service's ports"},
		{"many-ports-no-port", []int32{80, 443}, map[string]string{annotationType: "prometheus"}, "has 2 ports and no " + annotationPort},
		{"relative-path", nil, map[string]string{annotationType: "prometheus", annotationPath: "api"}, "must start with /"},
	}
	for _, tc := range invalid {
		svc := run.createService(ctx, serviceSpec{namespace: ns, name: tc.name, toolset: true, ports: tc.ports, annotations: tc.ann})
		t.Run(tc.name, func(t *testing.T) {
			stored, err := cs.CoreV1().Services(ns).Get(ctx, svc.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("GET Service %s/%s: %v", ns, svc.Name, err)
			}
			got, err := toolFromService(stored)
			if err == nil {
				t.Fatalf("annotations %v were accepted as %+v, want an error containing %q", tc.ann, got, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), svc.Name) {
				t.Fatalf("error %q should name the Service and contain %q", err, tc.wantErr)
			}
		})
	}

	// Discovery keeps the good tools and reports every bad Service.
	t.Run("discovery reports bad Services and keeps the good ones", func(t *testing.T) {
		d := &discovery{cs: cs, namespaces: []string{ns}, extra: run.selector()}
		tools, err := d.list(ctx)
		if len(tools) != len(valid) {
			t.Fatalf("discovered %d tools %v, want the %d valid ones", len(tools), keys(tools), len(valid))
		}
		if err == nil {
			t.Fatalf("discovery reported no error for %d badly annotated Services", len(invalid))
		}
		for _, tc := range invalid {
			if !strings.Contains(err.Error(), tc.name+"-"+run.id) {
				t.Errorf("discovery error does not mention Service %s-%s:\n%v", tc.name, run.id, err)
			}
		}
	})
}
