// Package credential resolves the two ways a credential reaches the program, a secret config
// value (decrypted by Pulumi, kept secret here) or a reference to a Kubernetes Secret the
// customer owns, and generates the credentials nobody gives.
package credential

import (
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
)

// Source is a resolved credential: exactly one of Value (a secret Output) or Ref is set.
type Source struct {
	Value pulumi.StringOutput
	Ref   *config.SecretRef
}

// Value returns a secure config value as a Pulumi secret.
func Value(s config.Secret) pulumi.StringOutput {
	return pulumi.ToSecret(pulumi.String(string(s))).(pulumi.StringOutput)
}

// FromConfig resolves a config pair (inline secret or reference); validation has already
// ensured at most one is given. The zero Source means "not given".
func FromConfig(value config.Secret, ref *config.SecretRef) Source {
	if ref != nil {
		return Source{Ref: ref}
	}
	if value.IsSet() {
		return Source{Value: Value(value)}
	}
	return Source{}
}

// FromOutput wraps a generated or provisioned credential, forcing it secret.
func FromOutput(v pulumi.StringOutput) Source {
	return Source{Value: pulumi.ToSecret(v).(pulumi.StringOutput)}
}

// IsSet reports whether the source holds a value or a reference.
func (s Source) IsSet() bool { return s.Ref != nil || s.Value.OutputState != nil }

// Generate registers a random credential (pulumi-random) and returns it as a Pulumi secret:
// letters and digits only, at least two of each class. That satisfies every service here
// (Azure's complexity rule; RDS, ElastiCache and MSK reject some symbols) and needs no escaping
// in URLs or connection strings.
func Generate(ctx *pulumi.Context, name string, length int, opts ...pulumi.ResourceOption) (pulumi.StringOutput, error) {
	pw, err := random.NewRandomPassword(ctx, name, &random.RandomPasswordArgs{
		Length:     pulumi.Int(length),
		Special:    pulumi.Bool(false),
		MinUpper:   pulumi.Int(2),
		MinLower:   pulumi.Int(2),
		MinNumeric: pulumi.Int(2),
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// Secret here, not only through the provider's schema, so no code path sees it plain.
	return pulumi.ToSecret(pw.Result).(pulumi.StringOutput), nil
}
