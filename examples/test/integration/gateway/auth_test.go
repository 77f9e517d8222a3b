package gateway

import (
	"context"
	"fmt"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// caller is who the Gateway's authentication middleware says sent a request.
type caller struct {
	Username string
	UID      string
	Groups   []string
}

// reviewResult is the part of a TokenReview's answer that is safe to log: the
// request's spec (which holds the token) is never kept.
type reviewResult struct {
	Authenticated bool
	Caller        caller
	Audiences     []string
	Error         string
}

// authenticate asks the API server who holds token (TokenReview), the way
// the Gateway checks a bearer token sent with a signal.
func authenticate(ctx context.Context, cs kubernetes.Interface, token string) (reviewResult, error) {
	tr, err := cs.AuthenticationV1().TokenReviews().Create(ctx,
		&authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return reviewResult{}, fmt.Errorf("creating a TokenReview: %w", err)
	}
	u := tr.Status.User
	return reviewResult{
		Authenticated: tr.Status.Authenticated,
		Caller:        caller{Username: u.Username, UID: u.UID, Groups: u.Groups},
		Audiences:     tr.Status.Audiences,
		Error:         tr.Status.Error,
	}, nil
}

// decision is a SubjectAccessReview's answer.
type decision struct {
	Allowed bool
	Denied  bool
	Reason  string
}

func (d decision) String() string {
	return fmt.Sprintf("allowed=%v denied=%v reason=%q", d.Allowed, d.Denied, d.Reason)
}

// authorize asks the API server whether c may do verb on resource (in API
// group group) in namespace ns (SubjectAccessReview), the way the Gateway
// checks a caller before creating a RemediationRequest for it.
func authorize(ctx context.Context, cs kubernetes.Interface, c caller, verb, group, resource, ns string) (decision, error) {
	sar, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authzv1.SubjectAccessReview{
		Spec: authzv1.SubjectAccessReviewSpec{
			User:   c.Username,
			UID:    c.UID,
			Groups: c.Groups,
			ResourceAttributes: &authzv1.ResourceAttributes{
				Namespace: ns, Verb: verb, Group: group, Resource: resource,
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return decision{}, fmt.Errorf("creating a SubjectAccessReview: %w", err)
	}
	return decision{Allowed: sar.Status.Allowed, Denied: sar.Status.Denied, Reason: sar.Status.Reason}, nil
}
