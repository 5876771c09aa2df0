package kafka

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/config"
)

// ExistingArgs are the customer's Kafka and what the apps use of it.
type ExistingArgs struct {
	Use
	Existing *config.KafkaExisting
}

// NewExisting is the customer's Kafka, as the config describes it.
func NewExisting(ctx *pulumi.Context, name string, args *ExistingArgs, opts ...pulumi.ResourceOption) (*Kafka, error) {
	c, err := register(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	e := args.Existing
	c.Endpoint = Endpoint{
		BootstrapServers:    pulumi.String(e.BootstrapServers).ToStringOutput(),
		SecurityProtocol:    e.SecurityProtocol,
		SASLMechanism:       e.SASLMechanism,
		Username:            pulumi.String(e.Username).ToStringOutput(),
		Password:            credential.FromConfig(e.Password, e.PasswordRef),
		CACertificate:       e.CACertificate,
		Topics:              args.Topics,
		ConsumerGroupPrefix: args.ConsumerGroupPrefix,
		Ports:               config.BrokerPorts(e.BootstrapServers),
	}
	return c.done(ctx)
}
