package stacks

import (
	"strconv"

	"github.com/workfx/workfx-platform/components/secrets"
)

// appDef is one app as data: what it is, what it reads, how it is probed. The workload component
// renders all of them the same way.
type appDef struct {
	Name      string
	ConfigKey string
	config    func(*Config) *AppConfig
	// EnabledByDefault: the WorkFX apps are the minimal KA deployment (seed 001); Rasa is opt-in.
	EnabledByDefault bool
	Repository       string
	Port             int
	HealthPath       string
	MetricsPath      string
	// StartupFailureThreshold × 10 s is the start-up budget (seed 000: Rasa Pro Services migrates
	// its schema at start).
	StartupFailureThreshold int
	// Public apps are routed through the ingress gateway and require a JWT.
	Public        bool
	Args          []string
	WritablePaths []string
	// Secrets are the contract groups the app reads (a group that is not rendered is skipped).
	Secrets []secrets.Group
	// Settings: the WorkFX apps read the shared settings (storage, models, log level).
	WorkfxSettings bool
	// Rasa: the app speaks to Kafka as Rasa does (seed 000 variables, event broker file).
	Rasa bool
	// Sizes per environment: dev is small; prod follows seed 001's values-ka.yaml.
	Dev, Prod AppConfig
}

func sized(replicas, maxReplicas int, reqCPU, reqMem, limCPU, limMem string) AppConfig {
	return AppConfig{
		Replicas: replicas, MaxReplicas: maxReplicas,
		Resources: ResourceConfig{
			Requests: ResourceList{CPU: reqCPU, Memory: reqMem},
			Limits:   ResourceList{CPU: limCPU, Memory: limMem},
		},
	}
}

var appCatalog = []appDef{
	{
		Name: "workfx-api", ConfigKey: "workfxApi", config: func(c *Config) *AppConfig { return &c.Apps.WorkfxAPI },
		EnabledByDefault: true, Repository: "workfx-ai/workfx-api",
		Port: 8000, HealthPath: "/health", MetricsPath: "/metrics", StartupFailureThreshold: 18, Public: true,
		WritablePaths:  []string{"/tmp"},
		Secrets:        []secrets.Group{secrets.Postgres, secrets.Redis, secrets.Search, secrets.Kafka, secrets.JWT, secrets.AppKeys, secrets.ModelKeys},
		WorkfxSettings: true,
		Dev:            sized(1, 3, "250m", "512Mi", "1", "2Gi"),
		Prod:           sized(2, 6, "1", "2Gi", "2", "4Gi"),
	},
	{
		Name: "workfx-cdc", ConfigKey: "workfxCdc", config: func(c *Config) *AppConfig { return &c.Apps.WorkfxCDC },
		EnabledByDefault: true, Repository: "workfx-ai/workfx-cdc",
		Port: 8000, HealthPath: "/health", MetricsPath: "/metrics", StartupFailureThreshold: 18,
		WritablePaths:  []string{"/tmp"},
		Secrets:        []secrets.Group{secrets.Postgres, secrets.Search, secrets.Kafka, secrets.AppKeys, secrets.ModelKeys},
		WorkfxSettings: true,
		// CDC follows one replication stream: a single replica unless a stack says otherwise.
		Dev:  sized(1, 1, "250m", "512Mi", "500m", "1Gi"),
		Prod: sized(1, 1, "500m", "1Gi", "1", "2Gi"),
	},
	{
		Name: "rasa-pro", ConfigKey: "rasaPro", config: func(c *Config) *AppConfig { return &c.Apps.RasaPro },
		Repository: "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro",
		Port:       5005, HealthPath: "/", StartupFailureThreshold: 30,
		Args:          []string{"run", "--enable-api", "--port", "5005", "--endpoints", "/app/endpoints.yml"},
		WritablePaths: []string{"/tmp", "/app/.rasa", "/app/.config"},
		Secrets:       []secrets.Group{secrets.RasaLicense, secrets.RasaKafka},
		Rasa:          true,
		Dev:           sized(1, 2, "500m", "1Gi", "1", "2Gi"),
		Prod:          sized(2, 4, "1", "2Gi", "2", "4Gi"),
	},
	{
		Name: "rasa-pro-services", ConfigKey: "rasaProServices", config: func(c *Config) *AppConfig { return &c.Apps.RasaProServices },
		Repository: "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro-services",
		Port:       8732, HealthPath: "/healthcheck", StartupFailureThreshold: 60,
		WritablePaths: []string{"/tmp"},
		Secrets:       []secrets.Group{secrets.RasaLicense, secrets.Analytics, secrets.RasaKafka},
		Rasa:          true,
		Dev:           sized(1, 2, "250m", "512Mi", "1", "1Gi"),
		// Seed 000's minimum: 2 vCPU / 4 GB.
		Prod: sized(1, 2, "1", "2Gi", "2", "4Gi"),
	},
}

func (d appDef) applyDefaults(a *AppConfig, environment string) {
	size := d.Dev
	if environment == "prod" {
		size = d.Prod
	}
	if a.Enabled == nil {
		a.Enabled = boolPtr(d.EnabledByDefault)
	}
	if a.Image.Repository == "" {
		a.Image.Repository = d.Repository
	}
	if a.Replicas == 0 {
		a.Replicas = size.Replicas
	}
	if a.MaxReplicas == 0 {
		a.MaxReplicas = max(size.MaxReplicas, a.Replicas)
	}
	for _, q := range []struct {
		dst *string
		def string
	}{
		{&a.Resources.Requests.CPU, size.Resources.Requests.CPU},
		{&a.Resources.Requests.Memory, size.Resources.Requests.Memory},
		{&a.Resources.Limits.CPU, size.Resources.Limits.CPU},
		{&a.Resources.Limits.Memory, size.Resources.Limits.Memory},
	} {
		if *q.dst == "" {
			*q.dst = q.def
		}
	}
	if a.Timeout == "" {
		a.Timeout = "30s"
	}
	if a.Retries == nil {
		r := 2
		a.Retries = &r
	}
	if a.MaxConnections == 0 {
		a.MaxConnections = 100
	}
	if a.RolloutTimeout == "" {
		// The provider's own default (10 minutes), or the start-up budget and 5 minutes more
		// when that is longer (Rasa Pro Services migrates its schema at start).
		a.RolloutTimeout = "10m"
		if budget := d.StartupFailureThreshold * 10; budget+300 > 600 {
			a.RolloutTimeout = strconv.Itoa((budget+300)/60) + "m"
		}
	}
}

// rasaEndpoints is Rasa Pro's endpoints.yml: the Kafka event broker of seed 000, with every value
// that differs per stack (and every credential) substituted by Rasa from the environment.
func rasaEndpoints(sasl bool, caFile string) string {
	s := "event_broker:\n" +
		"  type: kafka\n" +
		"  url: ${KAFKA_BROKER_ADDRESS}\n" +
		"  topic: ${KAFKA_TOPIC}\n" +
		"  security_protocol: ${KAFKA_SECURITY_PROTOCOL}\n"
	if sasl {
		s += "  sasl_mechanism: ${KAFKA_SASL_MECHANISM}\n" +
			"  sasl_username: ${KAFKA_SASL_USERNAME}\n" +
			"  sasl_password: ${KAFKA_SASL_PASSWORD}\n"
	}
	if caFile != "" {
		s += "  ssl_check_hostname: true\n" +
			"  ssl_cafile: " + caFile + "\n"
	}
	return s
}
