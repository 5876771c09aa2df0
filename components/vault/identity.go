package vault

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
)

// Annotations and labels of Azure Workload Identity: the webhook injects a federated token into
// labelled pods whose ServiceAccount names the identity's client id.
const (
	ClientIDAnnotation = "azure.workload.identity/client-id"
	UseLabel           = "azure.workload.identity/use"
)

// WorkloadIdentityArgs configure the apps' identity.
type WorkloadIdentityArgs struct {
	Env  *azenv.Env
	Name string
	// Issuer is the AKS OIDC issuer URL.
	Issuer pulumi.StringInput
	// Namespace and ServiceAccounts are the apps' Kubernetes identities.
	Namespace       string
	ServiceAccounts []string
	// BlobScopes are storage accounts the apps read and write with "Storage Blob Data
	// Contributor". Nothing else is granted: no app reads Key Vault (their credentials come
	// from the contract Secrets, seed 001).
	BlobScopes []pulumi.IDOutput
}

// WorkloadIdentity is the component: one user-assigned identity the apps' ServiceAccounts are
// federated to, with the roles they need.
type WorkloadIdentity struct {
	pulumi.ResourceState
	ClientID pulumi.StringOutput
	// Ready are the federated credentials and role assignments: an app's pods exchange their
	// token and reach storage only once these exist, so the apps wait for them.
	Ready []pulumi.Resource
}

// NewWorkloadIdentity creates the identity, its federated credentials and role assignments.
func NewWorkloadIdentity(ctx *pulumi.Context, name string, a *WorkloadIdentityArgs, opts ...pulumi.ResourceOption) (*WorkloadIdentity, error) {
	c := &WorkloadIdentity{}
	if err := ctx.RegisterComponentResource("workfx:vault:WorkloadIdentity", name, c, opts...); err != nil {
		return nil, err
	}
	e := a.Env
	child := pulumi.Parent(c)
	id, err := managedidentity.NewUserAssignedIdentity(ctx, "workloads", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: e.ResourceGroupName,
		ResourceName:      pulumi.String(a.Name),
		Location:          pulumi.String(e.Location),
		Tags:              e.TagMap(),
	}, child)
	if err != nil {
		return nil, err
	}
	c.ClientID = id.ClientId

	// Azure rejects concurrent federated-credential writes on one identity, so they are chained.
	var prev []pulumi.Resource
	for _, sa := range a.ServiceAccounts {
		fic, err := managedidentity.NewFederatedIdentityCredential(ctx, sa, &managedidentity.FederatedIdentityCredentialArgs{
			ResourceGroupName:                       e.ResourceGroupName,
			ResourceName:                            id.Name,
			FederatedIdentityCredentialResourceName: pulumi.String(sa),
			Issuer:                                  a.Issuer,
			Subject:                                 pulumi.String(fmt.Sprintf("system:serviceaccount:%s:%s", a.Namespace, sa)),
			Audiences:                               pulumi.StringArray{pulumi.String("api://AzureADTokenExchange")},
		}, child, pulumi.DependsOn(prev))
		if err != nil {
			return nil, err
		}
		prev = []pulumi.Resource{fic}
		c.Ready = append(c.Ready, fic)
	}

	for i, scope := range a.BlobScopes {
		ra, err := e.AssignRole(ctx, fmt.Sprintf("workloads-blob-data-contributor-%d", i), id.PrincipalId, azenv.PrincipalServicePrincipal,
			azenv.RoleStorageBlobDataContrib, scope.ToStringOutput(), child)
		if err != nil {
			return nil, err
		}
		c.Ready = append(c.Ready, ra)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"clientId": id.ClientId})
}
