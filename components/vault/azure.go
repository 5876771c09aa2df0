// Package vault is where generated credentials live outside the cluster: an Azure Key Vault
// with RBAC authorization, reachable only through its private endpoint.
package vault

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/network"
)

// AzureArgs configure the vault.
type AzureArgs struct {
	Env     *azenv.Env
	Network *network.Azure
	// Name is the vault's global name. In prod it is the deployment's stable name; in dev the
	// caller may pass one that changes when the stack is destroyed and created again (see
	// stacks/azure.go), because a deleted vault keeps its name for the soft-delete period.
	Name pulumi.StringInput
}

// Azure is the component.
type Azure struct {
	pulumi.ResourceState
	Vault *keyvault.Vault
	env   *azenv.Env
}

// NewAzure creates the Key Vault and its private endpoint.
func NewAzure(ctx *pulumi.Context, name string, args *AzureArgs, opts ...pulumi.ResourceOption) (*Azure, error) {
	c := &Azure{env: args.Env}
	if err := ctx.RegisterComponentResource("workfx:vault:Azure", name, c, opts...); err != nil {
		return nil, err
	}
	e := args.Env
	props := &keyvault.VaultPropertiesArgs{
		TenantId: pulumi.String(e.TenantID),
		Sku:      &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
		// Access is granted with Azure RBAC roles (auditable, per secret scope), not access policies.
		EnableRbacAuthorization:   pulumi.Bool(true),
		EnableSoftDelete:          pulumi.Bool(true),
		SoftDeleteRetentionInDays: pulumi.Int(7),
		// Only the private endpoint reaches the data plane. Pulumi writes secrets through
		// Azure Resource Manager, which this does not block.
		PublicNetworkAccess: pulumi.String("Disabled"),
		NetworkAcls: &keyvault.NetworkRuleSetArgs{
			DefaultAction: pulumi.String("Deny"),
			Bypass:        pulumi.String("AzureServices"),
		},
	}
	if e.Prod {
		props.SoftDeleteRetentionInDays = pulumi.Int(90)
		// Purge protection cannot be turned off once on, and the API rejects an explicit
		// false, so it is only ever set in prod.
		props.EnablePurgeProtection = pulumi.Bool(true)
	}
	v, err := keyvault.NewVault(ctx, "vault", &keyvault.VaultArgs{
		ResourceGroupName: e.ResourceGroupName,
		VaultName:         args.Name,
		Location:          pulumi.String(e.Location),
		Properties:        props,
		Tags:              e.TagMap(),
	}, append([]pulumi.ResourceOption{pulumi.Parent(c)}, e.Stateful()...)...)
	if err != nil {
		return nil, err
	}
	c.Vault = v
	if _, err := args.Network.PrivateEndpoint(ctx, "vault", v.ID(), "vault", network.ZoneKeyVault, pulumi.Parent(c)); err != nil {
		return nil, err
	}
	// AuditEvent (every secret read and write) and the vault's metrics.
	if _, err := e.Diagnose(ctx, "vault", v.ID().ToStringOutput(), azenv.AllLogsAndMetrics, pulumi.Parent(c)); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"vaultName": v.Name, "vaultUri": v.Properties.VaultUri()})
}

// Store keeps a credential as a Key Vault secret. The value stays a Pulumi secret (encrypted in
// state, redacted in plans). Secret names are 1-127 letters, digits and hyphens.
func (c *Azure) Store(ctx *pulumi.Context, name string, value pulumi.StringInput, opts ...pulumi.ResourceOption) (*keyvault.Secret, error) {
	s, err := keyvault.NewSecret(ctx, name, &keyvault.SecretArgs{
		ResourceGroupName: c.env.ResourceGroupName,
		VaultName:         c.Vault.Name,
		SecretName:        pulumi.String(name),
		Properties: &keyvault.SecretPropertiesArgs{
			Value:       pulumi.ToSecret(value).(pulumi.StringOutput),
			ContentType: pulumi.String("text/plain"),
		},
	}, append([]pulumi.ResourceOption{pulumi.Parent(c)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("key vault secret %s: %w", name, err)
	}
	return s, nil
}
