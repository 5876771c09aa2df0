package config

import "strconv"

// App is one app as the config knows it: its key under workfx:apps, whether it is on by
// default, its image repository and its sizes per environment. How it is rendered (ports,
// probes, the Secrets it reads) is stacks' app catalog, which embeds this.
type App struct {
	Name      string
	ConfigKey string
	// Of returns the app's section of a config.
	Of func(*Config) *AppConfig
	// EnabledByDefault: the WorkFX apps are the minimal KA deployment (seed 001); Rasa is opt-in.
	EnabledByDefault bool
	Repository       string
	// StartupFailureThreshold × 10 s is the start-up budget (seed 000: Rasa Pro Services migrates
	// its schema at start); the default rollout timeout covers it.
	StartupFailureThreshold int
	// Sizes per environment: dev is small; prod follows seed 001's values-ka.yaml.
	Dev, Prod AppConfig
	// Callers are the apps (config keys) that call this one in the cluster, by default. The
	// seeds show one such call: Rasa Pro serves its REST API (--enable-api) to the WorkFX API and
	// is not routed through the gateway. Rasa Pro and Rasa Pro Services talk through Kafka only
	// (seed 000), and the WorkFX apps are given no other app's address.
	Callers []string
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

// The apps.
var (
	WorkfxAPI = App{
		Name: "workfx-api", ConfigKey: "workfxApi", Of: func(c *Config) *AppConfig { return &c.Apps.WorkfxAPI },
		EnabledByDefault: true, Repository: "workfx-ai/workfx-api", StartupFailureThreshold: 18,
		Dev:  sized(1, 3, "250m", "512Mi", "1", "2Gi"),
		Prod: sized(2, 6, "1", "2Gi", "2", "4Gi"),
	}
	WorkfxCDC = App{
		Name: "workfx-cdc", ConfigKey: "workfxCdc", Of: func(c *Config) *AppConfig { return &c.Apps.WorkfxCDC },
		EnabledByDefault: true, Repository: "workfx-ai/workfx-cdc", StartupFailureThreshold: 18,
		// CDC follows one replication stream: a single replica unless a stack says otherwise.
		Dev:  sized(1, 1, "250m", "512Mi", "500m", "1Gi"),
		Prod: sized(1, 1, "500m", "1Gi", "1", "2Gi"),
	}
	RasaPro = App{
		Name: "rasa-pro", ConfigKey: "rasaPro", Of: func(c *Config) *AppConfig { return &c.Apps.RasaPro },
		Repository: "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro", StartupFailureThreshold: 30,
		Callers: []string{"workfxApi"},
		Dev:     sized(1, 2, "500m", "1Gi", "1", "2Gi"),
		Prod:    sized(2, 4, "1", "2Gi", "2", "4Gi"),
	}
	RasaProServices = App{
		Name: "rasa-pro-services", ConfigKey: "rasaProServices", Of: func(c *Config) *AppConfig { return &c.Apps.RasaProServices },
		Repository: "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro-services", StartupFailureThreshold: 60,
		Dev: sized(1, 2, "250m", "512Mi", "1", "1Gi"),
		// Seed 000's minimum: 2 vCPU / 4 GB.
		Prod: sized(1, 2, "1", "2Gi", "2", "4Gi"),
	}
	// Apps are every app, in the order users meet them.
	Apps = []App{WorkfxAPI, WorkfxCDC, RasaPro, RasaProServices}
)

// On reports whether the app is enabled (defaults applied).
func (a AppConfig) On() bool { return On(a.Enabled) }

// RasaOn reports whether a Rasa app is enabled.
func (c *Config) RasaOn() bool { return c.Apps.RasaPro.On() || c.Apps.RasaProServices.On() }

func (d App) applyDefaults(a *AppConfig, environment string) {
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
	if a.Callers == nil {
		a.Callers = append([]string{}, d.Callers...)
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

// AppByKey returns the app whose config key is key.
func AppByKey(key string) (App, bool) {
	for _, a := range Apps {
		if a.ConfigKey == key {
			return a, true
		}
	}
	return App{}, false
}

// InstalledGatewayServiceAccount is the ServiceAccount of the ingress gateway this program
// installs (mesh mode provision): the gateway chart names it after the release.
const InstalledGatewayServiceAccount = "istio-ingressgateway"

// istioctlGatewayServiceAccount is the ServiceAccount of the ingress gateway of Istio's default
// installation profile (istioctl install), the default for a customer's mesh.
const istioctlGatewayServiceAccount = "istio-ingressgateway-service-account"
