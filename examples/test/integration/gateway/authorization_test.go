package gateway

import (
	"testing"
)

// callerFor authenticates the token in variable and returns its caller, so
// the SubjectAccessReview carries exactly the user and groups the API server
// reported (as the Gateway does).
func callerFor(t *testing.T, variable, sa string) caller {
	t.Helper()
	token := requireEnv(t, variable, "token of ServiceAccount "+sa)
	ctx := testContext(t)
	res, err := authenticate(ctx, adminClientset(t), token)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Authenticated {
		t.Fatalf("%s is not authenticated (TokenReview error %q)", variable, res.Error)
	}
	return res.Caller
}

func TestSubjectAccessReviewGatewayServiceAccount(t *testing.T) {
	t.Parallel()
	ns := gatewayNamespace(t)
	c := callerFor(t, "TEST_TOKEN", gatewaySA)
	cs := adminClientset(t)
	ctx := testContext(t)

	for _, tc := range []struct {
		verb, group, resource string
		allowed               bool
	}{
		// What ClusterRole kubernaut-gateway-test grants ...
		{"create", "kubernaut.io", "remediationrequests", true},
		{"get", "kubernaut.io", "remediationrequests", true},
		{"list", "kubernaut.io", "remediationrequests", true},
		// ... and nothing more.
		{"delete", "kubernaut.io", "remediationrequests", false},
		{"update", "kubernaut.io", "remediationrequests", false},
		{"create", "", "pods", false},
		{"create", "", "secrets", false},
	} {
		res := tc.resource
		if tc.group != "" {
			res += "." + tc.group
		}
		t.Run(tc.verb+" "+res, func(t *testing.T) {
			d, err := authorize(ctx, cs, c, tc.verb, tc.group, tc.resource, ns)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != tc.allowed {
				hint := ""
				if tc.allowed {
					hint = "; is " + gatewaySA + " bound to ClusterRole kubernaut-gateway-test?"
				}
				t.Fatalf("SubjectAccessReview: %s %s %s in %s: got %v, want allowed=%v%s",
					c.Username, tc.verb, res, ns, d, tc.allowed, hint)
			}
		})
	}
}

func TestSubjectAccessReviewUnauthorizedServiceAccount(t *testing.T) {
	t.Parallel()
	ns := gatewayNamespace(t)
	c := callerFor(t, "TEST_UNAUTHORIZED_TOKEN", unauthorizedSA)
	cs := adminClientset(t)
	ctx := testContext(t)

	for _, verb := range []string{"create", "get", "list"} {
		t.Run(verb, func(t *testing.T) {
			d, err := authorize(ctx, cs, c, verb, "kubernaut.io", "remediationrequests", ns)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed {
				t.Fatalf("SubjectAccessReview: %s (no bindings) is allowed to %s remediationrequests.kubernaut.io in %s: %v",
					c.Username, verb, ns, d)
			}
		})
	}
}

// TestSubjectAccessReviewNeedsTheRightUser: the review is only as good as the
// identity it is given; the Gateway must pass the user it got from the
// TokenReview, not a name the caller claims.
func TestSubjectAccessReviewNeedsTheRightUser(t *testing.T) {
	t.Parallel()
	ns := gatewayNamespace(t)
	c := callerFor(t, "TEST_TOKEN", gatewaySA)
	cs := adminClientset(t)
	ctx := testContext(t)

	impostor := caller{Username: serviceAccountUser(ns, gatewaySA+"-impostor"), Groups: c.Groups}
	d, err := authorize(ctx, cs, impostor, "create", "kubernaut.io", "remediationrequests", ns)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed {
		t.Fatalf("%s (never bound) may create remediationrequests: %v; is the binding to a group instead of the ServiceAccount?", impostor.Username, d)
	}
}
