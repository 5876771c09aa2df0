package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/cluster"
	"github.com/workfx/workfx-platform/components/kafka"
	"github.com/workfx/workfx-platform/components/mesh"
	"github.com/workfx/workfx-platform/components/postgres"
	"github.com/workfx/workfx-platform/components/redis"
	"github.com/workfx/workfx-platform/components/search"
	"github.com/workfx/workfx-platform/components/secrets"
	"github.com/workfx/workfx-platform/components/storage"
	"github.com/workfx/workfx-platform/components/workload"
	"github.com/workfx/workfx-platform/config"
)

// platform is where the cluster and the apps' dependencies come from, chosen once from the
// config: the customer's cluster (nothing provisioned), Azure or AWS. Build asks it and never
// asks which cloud it is.
type platform interface {
	// cluster is the cluster every in-cluster object goes to, with its Kubernetes provider.
	cluster() *cluster.Cluster
	// dependencies are the endpoints the apps are wired from, the same types on every platform.
	dependencies() *dependencies
	// storeCredentials keeps the apps' credentials (generated or given) where the platform
	// keeps secrets, next to the data services' ones.
	storeCredentials(ctx *pulumi.Context, args *secrets.Args) error
	// inCluster renders what the provisioned backends need in the cluster before the apps start
	// (e.g. MSK's topics) and returns what the apps wait for.
	inCluster(ctx *pulumi.Context, in *inClusterArgs) ([]pulumi.Resource, error)
	// identity binds an app's pods to their cloud identity.
	identity(app appDef, spec *workload.Spec)
	// cloudEndpoints are the cloud's own endpoints the apps reach besides their data services:
	// the token service their identity needs and the services it grants them. A mesh that admits
	// registered hosts only (REGISTRY_ONLY) declares them.
	cloudEndpoints() []mesh.External
}

// inClusterArgs are what platform.inCluster renders with.
type inClusterArgs struct {
	namespace pulumi.StringInput
	k8s       pulumi.ResourceOption
	// after are what the objects wait for (the contract Secrets they read).
	after []pulumi.Resource
}

// newPlatform picks the platform the config describes.
func newPlatform(ctx *pulumi.Context, cfg *config.Config) (platform, error) {
	switch {
	case cfg.UsesAzure():
		return newAzure(ctx, cfg)
	case cfg.UsesAWS():
		return newAWS(ctx, cfg)
	}
	return newCustomer(ctx, cfg)
}

// dependencies are the resolved endpoints every app is wired from, whatever their backend.
type dependencies struct {
	postgres *postgres.Endpoint
	redis    *redis.Endpoint
	kafka    *kafka.Endpoint
	search   *search.Endpoint // nil when Elasticsearch is disabled
	storage  storage.Buckets
}

// provisioners build the dependencies a cloud provisions; a nil one is the customer's, built
// from its `existing` settings the same way on every platform.
type provisioners struct {
	postgres func() (*postgres.Postgres, error)
	redis    func() (*redis.Redis, error)
	kafka    func() (*kafka.Kafka, error)
	storage  func() (*storage.Storage, error)
}

// newDependencies builds every dependency, provisioned or the customer's.
func newDependencies(ctx *pulumi.Context, cfg *config.Config, p provisioners) (*dependencies, error) {
	if p.postgres == nil {
		p.postgres = func() (*postgres.Postgres, error) {
			return postgres.NewExisting(ctx, "postgres", cfg.Postgres.Existing)
		}
	}
	if p.redis == nil {
		p.redis = func() (*redis.Redis, error) { return redis.NewExisting(ctx, "redis", cfg.Redis.Existing) }
	}
	if p.kafka == nil {
		p.kafka = func() (*kafka.Kafka, error) {
			return kafka.NewExisting(ctx, "kafka", &kafka.ExistingArgs{Use: kafkaUse(cfg), Existing: cfg.Kafka.Existing})
		}
	}
	if p.storage == nil {
		p.storage = func() (*storage.Storage, error) {
			return storage.NewExisting(ctx, "object-storage", cfg.ObjectStorage.Existing)
		}
	}
	pg, err := p.postgres()
	if err != nil {
		return nil, err
	}
	rd, err := p.redis()
	if err != nil {
		return nil, err
	}
	kf, err := p.kafka()
	if err != nil {
		return nil, err
	}
	st, err := p.storage()
	if err != nil {
		return nil, err
	}
	deps := &dependencies{postgres: &pg.Endpoint, redis: &rd.Endpoint, kafka: &kf.Endpoint, storage: st.Buckets}
	if cfg.Elasticsearch.Mode == config.ModeExisting {
		es, err := search.NewExisting(ctx, "elasticsearch", cfg.Elasticsearch.Existing)
		if err != nil {
			return nil, err
		}
		deps.search = &es.Endpoint
	}
	return deps, nil
}

// kafkaUse is what the apps use of Kafka, whatever its backend.
func kafkaUse(cfg *config.Config) kafka.Use {
	return kafka.Use{Topics: cfg.Kafka.Topics, ConsumerGroupPrefix: cfg.Kafka.ConsumerGroupPrefix}
}

// customer is the customer's cluster: every dependency is theirs, credentials live in the
// contract Secrets (or the customer's own), pods need no cloud identity.
type customer struct {
	cl   *cluster.Cluster
	deps *dependencies
}

func newCustomer(ctx *pulumi.Context, cfg *config.Config) (*customer, error) {
	cl, err := cluster.NewExisting(ctx, "cluster", cfg.Cluster.Existing)
	if err != nil {
		return nil, err
	}
	deps, err := newDependencies(ctx, cfg, provisioners{})
	if err != nil {
		return nil, err
	}
	return &customer{cl: cl, deps: deps}, nil
}

func (c *customer) cluster() *cluster.Cluster                             { return c.cl }
func (c *customer) dependencies() *dependencies                           { return c.deps }
func (c *customer) storeCredentials(*pulumi.Context, *secrets.Args) error { return nil }
func (c *customer) identity(appDef, *workload.Spec)                       {}
func (c *customer) cloudEndpoints() []mesh.External                       { return nil }
func (c *customer) inCluster(*pulumi.Context, *inClusterArgs) ([]pulumi.Resource, error) {
	return nil, nil
}
