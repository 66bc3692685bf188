package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// access is one permission to wait for.
type access struct {
	User, Verb, Group, Resource, Subresource, Namespace, Name string
	Groups                                                    []string
}

// Grant creates objs (RBAC and whatever goes with it; what exists already
// is kept) and waits until every binding among them is in force for its
// subjects. RBAC is read from informers, so a binding created a moment ago
// may not count yet: a test that acts at once can be refused ("cannot patch
// nodes") on a busy machine.
func (cp *ControlPlane) Grant(ctx context.Context, objs ...client.Object) error {
	for _, o := range objs {
		if err := cp.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	return cp.waitAllowed(ctx, bindingAccesses(objs)...)
}

// waitAllowed waits until the API server's authorizer allows each access,
// asking SubjectAccessReviews. Bounded at 30 s.
func (cp *ControlPlane) waitAllowed(ctx context.Context, accesses ...access) error {
	for _, a := range accesses {
		var reason string
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: a.User, Groups: a.Groups,
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Verb: a.Verb, Group: a.Group, Resource: a.Resource, Subresource: a.Subresource, Namespace: a.Namespace, Name: a.Name,
				},
			}}
			got, err := cp.Clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
			if err != nil {
				return false, err
			}
			reason = got.Status.Reason
			return got.Status.Allowed, nil
		})
		if err != nil {
			return fmt.Errorf("%s may not %s %s yet (%s): %w", a.User, a.Verb, a.Resource, reason, err)
		}
	}
	return nil
}

// ServiceAccount is the user and groups the API server gives a service
// account's token.
func ServiceAccount(namespace, name string) (user string, groups []string) {
	return "system:serviceaccount:" + namespace + ":" + name,
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"}
}

// bindingAccesses is, for each binding among objs, one access its role
// grants to each of its subjects: what to wait for after creating them.
// The role must be among objs too.
func bindingAccesses(objs []client.Object) []access {
	rules := map[string][]rbacv1.PolicyRule{}
	for _, o := range objs {
		switch r := o.(type) {
		case *rbacv1.ClusterRole:
			rules["ClusterRole/"+r.Name] = r.Rules
		case *rbacv1.Role:
			rules["Role/"+r.Namespace+"/"+r.Name] = r.Rules
		}
	}
	var out []access
	add := func(ref string, namespace string, subjects []rbacv1.Subject) {
		rs := rules[ref]
		if len(rs) == 0 || len(rs[0].Verbs) == 0 || len(rs[0].Resources) == 0 || len(rs[0].APIGroups) == 0 {
			return
		}
		r := rs[0]
		for _, s := range subjects {
			a := access{Verb: r.Verbs[0], Group: r.APIGroups[0], Namespace: namespace}
			a.Resource, a.Subresource, _ = strings.Cut(r.Resources[0], "/")
			if len(r.ResourceNames) > 0 {
				a.Name = r.ResourceNames[0]
			}
			switch s.Kind {
			case rbacv1.ServiceAccountKind:
				a.User, a.Groups = ServiceAccount(s.Namespace, s.Name)
			case rbacv1.UserKind:
				a.User = s.Name
			case rbacv1.GroupKind:
				a.User, a.Groups = "harness-rbac-check", []string{s.Name}
			}
			if a.User == "" {
				continue
			}
			out = append(out, a)
		}
	}
	for _, o := range objs {
		switch b := o.(type) {
		case *rbacv1.ClusterRoleBinding:
			add(b.RoleRef.Kind+"/"+b.RoleRef.Name, "", b.Subjects)
		case *rbacv1.RoleBinding:
			ref := b.RoleRef.Kind + "/" + b.RoleRef.Name
			if b.RoleRef.Kind == "Role" {
				ref = "Role/" + b.Namespace + "/" + b.RoleRef.Name
			}
			add(ref, b.Namespace, b.Subjects)
		}
	}
	return out
}
