// Package kafka provides the Kafka endpoint (brokers, security, credentials, topics) the apps
// consume: the customer's Kafka (existing.go), Event Hubs' Kafka endpoint (azure.go) or MSK
// (aws.go), each built by one constructor of the same shape; and the Job that creates MSK's
// topics (topics.go).
package kafka

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
	"github.com/workfx/workfx-platform/components/vault"
	"github.com/workfx/workfx-platform/config"
)

// Topics are the topic names the apps use (seed 001 wfx-kafka-secret, seed 000 KAFKA_TOPIC).
type Topics = config.KafkaTopics

// Use is what the apps use on every backend: their topics and consumer group prefix.
type Use struct {
	Topics              Topics
	ConsumerGroupPrefix string
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

// Kafka is the component; Endpoint is its typed output.
type Kafka struct {
	pulumi.ResourceState
	Endpoint Endpoint
	// SCRAMSecret is where AWS keeps the SASL/SCRAM credential (Secrets Manager); nil elsewhere.
	SCRAMSecret *vault.Secret
}

// register registers the component; every backend's constructor starts here.
func register(ctx *pulumi.Context, name string, opts []pulumi.ResourceOption) (*Kafka, error) {
	c := &Kafka{}
	return c, ctx.RegisterComponentResource("workfx:kafka:Kafka", name, c, opts...)
}

// done registers the component's outputs; every backend's constructor ends here.
func (c *Kafka) done(ctx *pulumi.Context) (*Kafka, error) {
	outputs := pulumi.Map{
		"bootstrapServers": c.Endpoint.BootstrapServers,
		"securityProtocol": pulumi.String(c.Endpoint.SecurityProtocol),
	}
	if c.SCRAMSecret != nil {
		outputs["secretArn"] = c.SCRAMSecret.Arn
	}
	return c, ctx.RegisterResourceOutputs(c, outputs)
}
