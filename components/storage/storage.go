// Package storage provides the object-storage buckets the apps use (seed 001 workfx.storage):
// the customer's (existing.go), an Azure storage account (azure.go) or S3 (aws.go), each built
// by one constructor of the same shape.
package storage

import (
	azurestorage "github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/config"
)

// BucketNames are the five buckets of seed 001.
type BucketNames = config.BucketNames

// Buckets is the typed output: where the buckets live and what they are called.
type Buckets struct {
	// Type is the storage flavour the apps speak: azure, s3 or minio.
	Type string
	// Endpoint is seed 001's bucketUriPath (e.g. https://account.blob.core.windows.net).
	Endpoint pulumi.StringOutput
	Names    BucketNames
}

// Storage is the component; Buckets is its typed output.
type Storage struct {
	pulumi.ResourceState
	Buckets Buckets
	// Account is the Azure storage account (for role assignments on it); nil elsewhere.
	Account *azurestorage.StorageAccount
	// BucketArns are the S3 buckets' ARNs (for the workload roles); empty elsewhere.
	BucketArns []pulumi.StringOutput
}

// register registers the component; every backend's constructor starts here.
func register(ctx *pulumi.Context, name string, opts []pulumi.ResourceOption) (*Storage, error) {
	c := &Storage{}
	return c, ctx.RegisterComponentResource("workfx:storage:ObjectStorage", name, c, opts...)
}

// done registers the component's outputs; every backend's constructor ends here.
func (c *Storage) done(ctx *pulumi.Context) (*Storage, error) {
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"endpoint": c.Buckets.Endpoint})
}
