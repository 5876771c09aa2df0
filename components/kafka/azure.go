package kafka

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/eventhub/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/azenv"
	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/network"
	"github.com/workfx/workfx-platform/components/vault"
)

// AzureArgs size the Event Hubs namespace.
type AzureArgs struct {
	Use
	Env           *azenv.Env
	Network       *network.Azure
	Vault         *vault.Azure
	Name          string
	Sku           string // Standard or Premium (Basic has no Kafka endpoint)
	Capacity      int
	Partitions    int
	RetentionDays int
}

// kafkaPort is the Event Hubs Kafka endpoint (TLS only).
const kafkaPort = 9093

// NewAzure provisions an Event Hubs namespace with its Kafka endpoint, one hub per topic, and
// keeps the connection string (the SASL password) in Key Vault.
func NewAzure(ctx *pulumi.Context, name string, a *AzureArgs, opts ...pulumi.ResourceOption) (*Kafka, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	e := a.Env
	args := a
	child := pulumi.Parent(c)
	nsArgs := &eventhub.NamespaceArgs{
		ResourceGroupName:   e.ResourceGroupName,
		NamespaceName:       pulumi.String(a.Name),
		Location:            pulumi.String(e.Location),
		Sku:                 &eventhub.SkuArgs{Name: pulumi.String(a.Sku), Tier: pulumi.String(a.Sku), Capacity: pulumi.Int(a.Capacity)},
		KafkaEnabled:        pulumi.Bool(true),
		MinimumTlsVersion:   pulumi.String("1.2"),
		PublicNetworkAccess: pulumi.String("Disabled"),
		Tags:                e.TagMap(),
	}
	if e.Prod {
		nsArgs.ZoneRedundant = pulumi.Bool(true)
		if a.Sku == "Standard" {
			// Throughput units grow with load up to 10, and never shrink on their own.
			nsArgs.IsAutoInflateEnabled = pulumi.Bool(true)
			nsArgs.MaximumThroughputUnits = pulumi.Int(max(10, a.Capacity))
		}
	}
	// The namespace and its hubs hold the topics' messages: protected in prod like MSK.
	stateful := append([]pulumi.ResourceOption{child}, e.Stateful()...)
	ns, err := eventhub.NewNamespace(ctx, "eventhubs", nsArgs, stateful...)
	if err != nil {
		return nil, err
	}
	if _, err := a.Network.PrivateEndpoint(ctx, "eventhubs", ns.ID(), "namespace", network.ZoneEventHubs, child); err != nil {
		return nil, err
	}
	if _, err := e.Diagnose(ctx, "eventhubs", ns.ID().ToStringOutput(), azenv.AllLogsAndMetrics, child); err != nil {
		return nil, err
	}
	// One event hub (Kafka topic) per topic the apps use; the apps do not create topics.
	for _, topic := range []string{args.Topics.DocumentChunks, args.Topics.Agents, args.Topics.RasaEvents} {
		if _, err := eventhub.NewEventHub(ctx, topic, &eventhub.EventHubArgs{
			ResourceGroupName:      e.ResourceGroupName,
			NamespaceName:          ns.Name,
			EventHubName:           pulumi.String(topic),
			PartitionCount:         pulumi.Float64(float64(a.Partitions)),
			MessageRetentionInDays: pulumi.Float64(float64(a.RetentionDays)),
		}, stateful...); err != nil {
			return nil, fmt.Errorf("event hub %s: %w", topic, err)
		}
	}
	// Least privilege for the apps: produce and consume, no management of the namespace.
	rule, err := eventhub.NewNamespaceAuthorizationRule(ctx, "apps", &eventhub.NamespaceAuthorizationRuleArgs{
		ResourceGroupName:     e.ResourceGroupName,
		NamespaceName:         ns.Name,
		AuthorizationRuleName: pulumi.String("workfx-apps"),
		Rights:                pulumi.StringArray{pulumi.String("Listen"), pulumi.String("Send")},
	}, child)
	if err != nil {
		return nil, err
	}
	// The lookup depends on the rule itself: before the rule exists (a preview) its id is
	// unknown and the lookup waits instead of failing with 404.
	keys := eventhub.ListNamespaceKeysOutput(ctx, eventhub.ListNamespaceKeysOutputArgs{
		ResourceGroupName:     e.ResourceGroupName,
		NamespaceName:         ns.Name,
		AuthorizationRuleName: rule.Name,
	}, pulumi.Provider(e.Provider), pulumi.DependsOn([]pulumi.Resource{rule}))
	conn := pulumi.ToSecret(keys.PrimaryConnectionString()).(pulumi.StringOutput)
	if _, err := a.Vault.Store(ctx, "eventhubs-connection-string", conn); err != nil {
		return nil, err
	}
	c.Endpoint = Endpoint{
		BootstrapServers: pulumi.Sprintf("%s.servicebus.windows.net:%d", ns.Name, kafkaPort),
		// Event Hubs' Kafka endpoint: SASL PLAIN over TLS, user "$ConnectionString", password
		// the SAS connection string.
		SecurityProtocol:    "SASL_SSL",
		SASLMechanism:       "PLAIN",
		Username:            pulumi.String("$ConnectionString").ToStringOutput(),
		Password:            credential.FromOutput(conn),
		Topics:              args.Topics,
		ConsumerGroupPrefix: args.ConsumerGroupPrefix,
		Ports:               []int{kafkaPort},
	}
	return c.done(ctx)
}
