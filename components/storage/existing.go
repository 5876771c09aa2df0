package storage

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func existingBuckets(e *Existing) Buckets {
	return Buckets{Type: e.Type, Endpoint: pulumi.String(e.Endpoint).ToStringOutput(), Names: e.Buckets}
}
