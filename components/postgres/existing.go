package postgres

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
)

func existingEndpoint(e *Existing) Endpoint {
	return Endpoint{
		Host:     pulumi.String(e.Host).ToStringOutput(),
		Port:     e.Port,
		Database: pulumi.String(e.Database).ToStringOutput(),
		Username: pulumi.String(e.Username).ToStringOutput(),
		Password: credential.FromConfig(e.Password, e.PasswordRef),
		SSLMode:  e.SSLMode,
	}
}
