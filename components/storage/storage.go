// Package storage provides the object-storage buckets the apps use (seed 001 workfx.storage).
package storage

import (
	azurestorage "github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BucketNames are the five buckets of seed 001.
type BucketNames struct {
	Admin      string `json:"admin"`
	User       string `json:"user"`
	Public     string `json:"public"`
	Email      string `json:"email"`
	ToolsImage string `json:"toolsImage"`
}

// Buckets is the typed output: where the buckets live and what they are called.
type Buckets struct {
	// Type is the storage flavour the apps speak: azure, s3 or minio.
	Type string
	// Endpoint is seed 001's bucketUriPath (e.g. https://account.blob.core.windows.net).
	Endpoint pulumi.StringOutput
	Names    BucketNames
}

// Existing is storage the customer already has.
type Existing struct {
	Type     string      `json:"type"`
	Endpoint string      `json:"endpoint"`
	Buckets  BucketNames `json:"buckets"`
}

// Args selects the backend.
type Args struct {
	Mode     string
	Existing *Existing
	// Azure is set to provision a storage account (azure.go).
	Azure *AzureArgs
}

// Storage is the component; Buckets is its typed output.
type Storage struct {
	pulumi.ResourceState
	Buckets Buckets
	account *azurestorage.StorageAccount
}

// New registers the component and resolves the buckets.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Storage, error) {
	c := &Storage{}
	if err := ctx.RegisterComponentResource("workfx:storage:ObjectStorage", name, c, opts...); err != nil {
		return nil, err
	}
	if args.Azure != nil {
		if err := c.provisionAzure(ctx, args.Azure); err != nil {
			return nil, err
		}
	} else {
		c.Buckets = existingBuckets(args.Existing)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"endpoint": c.Buckets.Endpoint})
}
