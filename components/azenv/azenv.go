// Package azenv is what every Azure component shares: the explicit azure-native provider, the
// deployment's location and resource group, who is deploying, and role assignments.
package azenv

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	pulumiazurenativesdk "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Built-in role definition ids (the same in every Azure tenant).
const (
	RoleNetworkContributor     = "4d97b98b-1d4f-4787-a291-c67834d212e7"
	RoleKeyVaultSecretsUser    = "4633458b-17de-408a-b874-0445c86b69e6"
	RoleStorageBlobDataContrib = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
	RoleAKSRBACClusterAdmin    = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
)

// Env is the shared Azure context of one deployment.
type Env struct {
	// Provider is the one explicit azure-native provider; every Azure resource uses it.
	Provider *pulumiazurenativesdk.Provider
	Location string
	// ResourceGroupName resolves once the resource group exists.
	ResourceGroupName pulumi.StringOutput
	// TenantID, SubscriptionID and DeployerObjectID describe the identity running `pulumi up`.
	TenantID, SubscriptionID, DeployerObjectID pulumi.StringOutput
	Tags                                       map[string]string
	// Prod turns on HA, zones, geo-backup, purge protection and protect/retainOnDelete.
	Prod bool
}

// NewEnv creates the provider and reads the deploying identity through it.
func NewEnv(ctx *pulumi.Context, location string, prod bool, tags map[string]string) (*Env, error) {
	p, err := pulumiazurenativesdk.NewProvider(ctx, "azure-native", &pulumiazurenativesdk.ProviderArgs{
		Location: pulumi.String(location),
	})
	if err != nil {
		return nil, err
	}
	cc := authorization.GetClientConfigOutput(ctx, pulumi.Provider(p))
	return &Env{
		Provider: p, Location: location, Tags: tags, Prod: prod,
		TenantID:         cc.TenantId(),
		SubscriptionID:   cc.SubscriptionId(),
		DeployerObjectID: cc.ObjectId(),
	}, nil
}

// TagMap returns the tags as an input map.
func (e *Env) TagMap() pulumi.StringMap { return pulumi.ToStringMap(e.Tags) }

// Stateful returns the options of a resource that holds data: in prod it cannot be deleted by
// `pulumi destroy` or a replace, and it survives removal from the program.
func (e *Env) Stateful() []pulumi.ResourceOption {
	if !e.Prod {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.Protect(true), pulumi.RetainOnDelete(true)}
}

// RoleDefinitionID is the subscription-scoped id of a built-in role.
func (e *Env) RoleDefinitionID(role string) pulumi.StringOutput {
	return pulumi.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", e.SubscriptionID, role)
}

// AssignRole grants a role on a scope. principalType is ServicePrincipal for managed
// identities (it lets Azure skip the directory lookup that fails for identities created
// seconds ago) and empty for the deployer, whose kind is not known.
func (e *Env) AssignRole(ctx *pulumi.Context, name string, principalID pulumi.StringInput, principalType string,
	role string, scope pulumi.StringInput, opts ...pulumi.ResourceOption,
) (*authorization.RoleAssignment, error) {
	args := &authorization.RoleAssignmentArgs{
		PrincipalId:      principalID,
		RoleDefinitionId: e.RoleDefinitionID(role),
		Scope:            scope,
	}
	if principalType != "" {
		args.PrincipalType = pulumi.String(principalType)
	}
	return authorization.NewRoleAssignment(ctx, name, args, opts...)
}
