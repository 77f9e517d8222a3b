package gateway

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestTokenReviewAuthenticatesGatewayServiceAccount(t *testing.T) {
	t.Parallel()
	token := requireEnv(t, "TEST_TOKEN", "token of ServiceAccount "+gatewaySA)
	ns := gatewayNamespace(t)
	ctx := testContext(t)

	res, err := authenticate(ctx, adminClientset(t), token)
	if err != nil {
		t.Fatal(err)
	}
	want := serviceAccountUser(ns, gatewaySA)
	if !res.Authenticated {
		t.Fatalf("TEST_TOKEN is not authenticated (TokenReview error %q); want user %s", res.Error, want)
	}
	if res.Caller.Username != want {
		t.Fatalf("TEST_TOKEN authenticates as %q, want %q", res.Caller.Username, want)
	}
	for _, g := range []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"} {
		if !slices.Contains(res.Caller.Groups, g) {
			t.Errorf("TEST_TOKEN's groups %v lack %s", res.Caller.Groups, g)
		}
	}
	if res.Caller.UID == "" {
		t.Errorf("TEST_TOKEN's user has no UID (the ServiceAccount's UID)")
	}
	t.Logf("TEST_TOKEN is %s (uid %s), groups %v, audiences %v", res.Caller.Username, res.Caller.UID, res.Caller.Groups, res.Audiences)
}

// TestTokenReviewAuthenticatesUnauthorizedServiceAccount: a ServiceAccount
// without any binding still authenticates; authorization is a separate step.
func TestTokenReviewAuthenticatesUnauthorizedServiceAccount(t *testing.T) {
	t.Parallel()
	token := requireEnv(t, "TEST_UNAUTHORIZED_TOKEN", "token of ServiceAccount "+unauthorizedSA)
	ns := gatewayNamespace(t)
	ctx := testContext(t)

	res, err := authenticate(ctx, adminClientset(t), token)
	if err != nil {
		t.Fatal(err)
	}
	if want := serviceAccountUser(ns, unauthorizedSA); !res.Authenticated || res.Caller.Username != want {
		t.Fatalf("TEST_UNAUTHORIZED_TOKEN: authenticated=%v as %q (error %q), want authenticated as %q",
			res.Authenticated, res.Caller.Username, res.Error, want)
	}
}

func TestTokenReviewRejectsBadTokens(t *testing.T) {
	t.Parallel()
	good := requireEnv(t, "TEST_TOKEN", "token of ServiceAccount "+gatewaySA)
	other := requireEnv(t, "TEST_UNAUTHORIZED_TOKEN", "token of ServiceAccount "+unauthorizedSA)
	cs := adminClientset(t)
	ctx := testContext(t)

	header, payload, sig := jwtParts(t, "TEST_TOKEN", good)
	_, _, otherSig := jwtParts(t, "TEST_UNAUTHORIZED_TOKEN", other)

	// Claim to be someone else, keeping the original signature.
	claims := map[string]any{}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		t.Fatalf("TEST_TOKEN's payload is not base64url JSON")
	}
	claims["sub"] = serviceAccountUser("kube-system", "clusterrole-aggregation-controller")
	forged, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	forgedPayload := base64.RawURLEncoding.EncodeToString(forged)
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

	for _, tc := range []struct{ name, token string }{
		{"garbage", "not-a-token-" + newID()},
		{"payload changed, signature kept", header + "." + forgedPayload + "." + sig},
		{"signature of another token", header + "." + payload + "." + otherSig},
		{"signature truncated", header + "." + payload + "." + sig[:len(sig)/2]},
		{"alg none, no signature", unsigned + "." + payload + "."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := authenticate(ctx, cs, tc.token)
			if err != nil {
				t.Fatal(err)
			}
			if res.Authenticated {
				t.Fatalf("a %s token was authenticated as %q", tc.name, res.Caller.Username)
			}
			if res.Caller.Username != "" {
				t.Fatalf("an unauthenticated review names user %q", res.Caller.Username)
			}
			t.Logf("not authenticated; TokenReview error: %q", res.Error)
		})
	}
}

// jwtParts splits a JWT into its three base64url parts. On failure it names
// the variable, never the value.
func jwtParts(t *testing.T, variable, token string) (header, payload, signature string) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[2] == "" {
		t.Fatalf("%s is not a signed JWT (%d dot-separated parts); it must come from a TokenRequest", variable, len(parts))
	}
	return parts[0], parts[1], parts[2]
}
