// Package azenv is what every Azure component shares: the explicit azure-native provider, the
// deployment's location and resource group, who is deploying, role assignments, and the Log
// Analytics workspace every resource sends its diagnostics to.
package azenv

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	pulumiazurenativesdk "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Built-in role definition ids (the same in every Azure tenant).
const (
	RoleNetworkContributor     = "4d97b98b-1d4f-4787-a291-c67834d212e7"
	RoleStorageBlobDataContrib = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
	RoleAKSRBACClusterAdmin    = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
)

// Principal types of a role assignment. Azure rejects an assignment whose type does not match
// the principal ("UnmatchedPrincipalType"), and the authorization SDK sends User when none is
// given (authorization/v2 roleAssignment.go, NewRoleAssignment), so every assignment states one.
const (
	PrincipalUser             = "User"
	PrincipalServicePrincipal = "ServicePrincipal" // also managed identities
)

// Env is the shared Azure context of one deployment.
type Env struct {
	// Provider is the one explicit azure-native provider; every Azure resource uses it.
	Provider *pulumiazurenativesdk.Provider
	Location string
	// ResourceGroupName and ResourceGroupID resolve once the resource group exists.
	ResourceGroupName pulumi.StringOutput
	ResourceGroupID   pulumi.IDOutput
	// TenantID and SubscriptionID are where the provider deploys, read once through it (the
	// same for the deploy and the read-only preview identity of an environment).
	TenantID, SubscriptionID string
	// DeployerObjectID and DeployerPrincipalType are the principal that runs `pulumi up`, as the
	// stack states them (workfx:azure.deployerObjectId, deployerPrincipalType): not the client
	// config's objectId, which is whoever runs the program, a read-only identity in previews.
	DeployerObjectID, DeployerPrincipalType string
	// Zones are the availability zones zonal resources spread over; empty without zones.
	Zones []string
	Tags  map[string]string
	// Prod turns on HA, geo-backup, purge protection and protect/retainOnDelete.
	Prod bool
	// Logs is the workspace every diagnostic setting (and Container insights) writes to; set
	// by NewLogs before the first resource that is diagnosed.
	Logs *operationalinsights.Workspace
}

// EnvArgs describe the deployment.
type EnvArgs struct {
	Location              string
	Prod                  bool
	DeployerPrincipalType string
	DeployerObjectID      string
	Zones                 []string
	Tags                  map[string]string
}

// NewEnv creates the provider and reads the tenant and subscription through it.
func NewEnv(ctx *pulumi.Context, a *EnvArgs) (*Env, error) {
	p, err := pulumiazurenativesdk.NewProvider(ctx, "azure-native", &pulumiazurenativesdk.ProviderArgs{
		Location: pulumi.String(a.Location),
	})
	if err != nil {
		return nil, err
	}
	// A plain invoke, not an output: the subscription is part of every global name, which must
	// be known before the resources are declared.
	cc, err := authorization.GetClientConfig(ctx, pulumi.Provider(p))
	if err != nil {
		return nil, fmt.Errorf("azure client config: %w", err)
	}
	return &Env{
		Provider: p, Location: a.Location, Tags: a.Tags, Prod: a.Prod, Zones: a.Zones,
		TenantID: cc.TenantId, SubscriptionID: cc.SubscriptionId,
		DeployerObjectID: a.DeployerObjectID, DeployerPrincipalType: a.DeployerPrincipalType,
	}, nil
}

// TagMap returns the tags as an input map.
func (e *Env) TagMap() pulumi.StringMap { return pulumi.ToStringMap(e.Tags) }

// ZoneArray returns the zones as an input, nil without zones (Azure's "no zone preference").
func (e *Env) ZoneArray() pulumi.StringArrayInput {
	if len(e.Zones) == 0 {
		return nil
	}
	return pulumi.ToStringArray(e.Zones)
}

// Stateful returns the options of a resource that holds data: in prod it cannot be deleted by
// `pulumi destroy` or a replace, and it survives removal from the program.
func (e *Env) Stateful() []pulumi.ResourceOption {
	if !e.Prod {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.Protect(true), pulumi.RetainOnDelete(true)}
}

// RoleDefinitionID is the subscription-scoped id of a built-in role.
func (e *Env) RoleDefinitionID(role string) pulumi.StringInput {
	return pulumi.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", e.SubscriptionID, role)
}

// AssignRole grants a role on a scope to a principal of the given type (PrincipalUser or
// PrincipalServicePrincipal). Stating the type also lets Azure skip the directory lookup that
// fails for identities created seconds before.
func (e *Env) AssignRole(ctx *pulumi.Context, name string, principalID pulumi.StringInput, principalType string,
	role string, scope pulumi.StringInput, opts ...pulumi.ResourceOption,
) (*authorization.RoleAssignment, error) {
	if principalType != PrincipalUser && principalType != PrincipalServicePrincipal {
		return nil, fmt.Errorf("role assignment %s: principal type %q, want %s or %s", name, principalType, PrincipalUser, PrincipalServicePrincipal)
	}
	return authorization.NewRoleAssignment(ctx, name, &authorization.RoleAssignmentArgs{
		PrincipalId:      principalID,
		PrincipalType:    pulumi.String(principalType),
		RoleDefinitionId: e.RoleDefinitionID(role),
		Scope:            scope,
	}, opts...)
}

// Logs is the component holding the deployment's Log Analytics workspace.
type Logs struct {
	pulumi.ResourceState
	Workspace *operationalinsights.Workspace
}

// NewLogs creates the Log Analytics workspace (30 days' retention) and makes it the target of
// every diagnostic setting of the deployment.
func NewLogs(ctx *pulumi.Context, name string, e *Env, workspaceName string, opts ...pulumi.ResourceOption) (*Logs, error) {
	c := &Logs{}
	if err := ctx.RegisterComponentResource("workfx:azenv:Logs", name, c, opts...); err != nil {
		return nil, err
	}
	ws, err := operationalinsights.NewWorkspace(ctx, "logs", &operationalinsights.WorkspaceArgs{
		ResourceGroupName: e.ResourceGroupName,
		WorkspaceName:     pulumi.String(workspaceName),
		Location:          pulumi.String(e.Location),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(30),
		Tags:              e.TagMap(),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.Workspace, e.Logs = ws, ws
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"workspaceId": ws.ID()})
}

// Diagnostics says what a resource's diagnostic setting collects: log category groups (allLogs
// where the resource type offers it) and whether its platform metrics go along.
type Diagnostics struct {
	LogGroups []string
	// LogCategories are single categories, for a resource whose allLogs is too costly.
	LogCategories []string
	AllMetrics    bool
}

// Logs and metrics as most resource types publish them.
var AllLogsAndMetrics = Diagnostics{LogGroups: []string{"allLogs"}, AllMetrics: true}

// Diagnose sends a resource's logs and metrics to the workspace (the Azure Verified Modules'
// diagnosticSettings; insights/v2 DiagnosticSetting, API 2021-05-01-preview).
func (e *Env) Diagnose(ctx *pulumi.Context, name string, resourceID pulumi.StringInput, d Diagnostics, opts ...pulumi.ResourceOption) (*insights.DiagnosticSetting, error) {
	if e.Logs == nil {
		return nil, fmt.Errorf("diagnostic setting %s: no Log Analytics workspace (azenv.NewLogs first)", name)
	}
	logs := insights.LogSettingsArray{}
	for _, g := range d.LogGroups {
		logs = append(logs, insights.LogSettingsArgs{CategoryGroup: pulumi.String(g), Enabled: pulumi.Bool(true)})
	}
	for _, cat := range d.LogCategories {
		logs = append(logs, insights.LogSettingsArgs{Category: pulumi.String(cat), Enabled: pulumi.Bool(true)})
	}
	args := &insights.DiagnosticSettingArgs{
		Name:        pulumi.String("to-log-analytics"),
		ResourceUri: resourceID,
		WorkspaceId: e.Logs.ID().ToStringOutput(),
	}
	if len(logs) > 0 {
		args.Logs = logs
	}
	if d.AllMetrics {
		args.Metrics = insights.MetricSettingsArray{insights.MetricSettingsArgs{Category: pulumi.String("AllMetrics"), Enabled: pulumi.Bool(true)}}
	}
	return insights.NewDiagnosticSetting(ctx, name+"-diagnostics", args, opts...)
}
