package kafka

import (
	"net"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
)

func existingEndpoint(args *Args) Endpoint {
	e := args.Existing
	return Endpoint{
		BootstrapServers:    pulumi.String(e.BootstrapServers).ToStringOutput(),
		SecurityProtocol:    e.SecurityProtocol,
		SASLMechanism:       e.SASLMechanism,
		Username:            pulumi.String(e.Username).ToStringOutput(),
		Password:            credential.FromConfig(e.Password, e.PasswordRef),
		CACertificate:       e.CACertificate,
		Topics:              args.Topics,
		ConsumerGroupPrefix: args.ConsumerGroupPrefix,
		Ports:               BrokerPorts(e.BootstrapServers),
	}
}

// BrokerPorts returns the distinct ports of a "host:port,host:port" list, in order of appearance.
// Entries without a valid port are skipped (validation rejects them earlier).
func BrokerPorts(bootstrap string) []int {
	var ports []int
	seen := map[int]bool{}
	for _, hp := range strings.Split(bootstrap, ",") {
		_, p, err := net.SplitHostPort(strings.TrimSpace(hp))
		if err != nil {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || seen[n] {
			continue
		}
		seen[n] = true
		ports = append(ports, n)
	}
	return ports
}
