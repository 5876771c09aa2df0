// Package kafka provides the Kafka endpoint (brokers, security, credentials, topics) the apps consume.
package kafka

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
)

// Topics are the topic names the apps use (seed 001 wfx-kafka-secret, seed 000 KAFKA_TOPIC).
type Topics struct {
	DocumentChunks string `json:"documentChunks"`
	Agents         string `json:"agents"`
	RasaEvents     string `json:"rasaEvents"`
}

// Endpoint is the same type whatever the backend.
type Endpoint struct {
	BootstrapServers pulumi.StringOutput
	// SecurityProtocol is PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
	SecurityProtocol string
	// SASLMechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty without SASL.
	SASLMechanism string
	Username      pulumi.StringOutput
	Password      credential.Source
	// CACertificate is an optional PEM bundle for brokers signed by a private CA.
	CACertificate       string
	Topics              Topics
	ConsumerGroupPrefix string
	// Ports are the broker ports, for egress rules.
	Ports []int
}

// SASL reports whether the protocol authenticates with SASL.
func (e Endpoint) SASL() bool {
	return e.SecurityProtocol == "SASL_SSL" || e.SecurityProtocol == "SASL_PLAINTEXT"
}

// Existing is a Kafka the customer already runs (seed 001 infrastructure.kafka.external).
type Existing struct {
	BootstrapServers string            `json:"bootstrapServers"`
	SecurityProtocol string            `json:"securityProtocol"`
	SASLMechanism    string            `json:"saslMechanism"`
	Username         string            `json:"username"`
	Password         credential.Secret `json:"password"`
	PasswordRef      *credential.Ref   `json:"passwordRef"`
	CACertificate    string            `json:"caCertificate"`
}

// Args selects the backend and carries the settings shared by every backend.
type Args struct {
	Mode                string
	Topics              Topics
	ConsumerGroupPrefix string
	Existing            *Existing
	// Azure is set to provision Event Hubs with its Kafka endpoint (azure.go).
	Azure *AzureArgs
}

// Kafka is the component; Endpoint is its typed output.
type Kafka struct {
	pulumi.ResourceState
	Endpoint Endpoint
}

// New registers the component and resolves its endpoint.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Kafka, error) {
	c := &Kafka{}
	if err := ctx.RegisterComponentResource("workfx:kafka:Kafka", name, c, opts...); err != nil {
		return nil, err
	}
	if args.Azure != nil {
		if err := c.provisionAzure(ctx, args); err != nil {
			return nil, err
		}
	} else {
		c.Endpoint = existingEndpoint(args)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"bootstrapServers": c.Endpoint.BootstrapServers,
		"securityProtocol": pulumi.String(c.Endpoint.SecurityProtocol),
	})
}
