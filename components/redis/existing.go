package redis

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
)

func existingEndpoint(e *Existing) Endpoint {
	return Endpoint{
		Host:     pulumi.String(e.Host).ToStringOutput(),
		Port:     e.Port,
		DB:       e.DB,
		TLS:      e.TLS,
		Password: credential.FromConfig(e.Password, e.PasswordRef),
	}
}
