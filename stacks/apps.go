package stacks

import (
	"github.com/workfx/workfx-platform/components/secrets/contract"
	"github.com/workfx/workfx-platform/config"
)

// appDef is one app as data: the config's app (key, defaults, sizes) and how it is rendered:
// what it reads and how it is probed. The workload component renders all of them the same way.
type appDef struct {
	config.App
	Port        int
	HealthPath  string
	MetricsPath string
	// Public apps are routed through the ingress gateway and require a JWT.
	Public        bool
	Args          []string
	WritablePaths []string
	// Secrets are the contract groups the app reads (a group that is not rendered is skipped).
	Secrets []contract.Group
	// WorkfxSettings: the WorkFX apps read the shared settings (storage, models, log level).
	WorkfxSettings bool
	// Rasa: the app speaks to Kafka as Rasa does (seed 000 variables, event broker file).
	Rasa bool
}

var appCatalog = []appDef{
	{
		App:  config.WorkfxAPI,
		Port: 8000, HealthPath: "/health", MetricsPath: "/metrics", Public: true,
		WritablePaths:  []string{"/tmp"},
		Secrets:        []contract.Group{contract.Postgres, contract.Redis, contract.Search, contract.Kafka, contract.JWT, contract.AppKeys, contract.ModelKeys},
		WorkfxSettings: true,
	},
	{
		App:  config.WorkfxCDC,
		Port: 8000, HealthPath: "/health", MetricsPath: "/metrics",
		WritablePaths:  []string{"/tmp"},
		Secrets:        []contract.Group{contract.Postgres, contract.Search, contract.Kafka, contract.AppKeys, contract.ModelKeys},
		WorkfxSettings: true,
	},
	{
		App:  config.RasaPro,
		Port: 5005, HealthPath: "/",
		Args:          []string{"run", "--enable-api", "--port", "5005", "--endpoints", "/app/endpoints.yml"},
		WritablePaths: []string{"/tmp", "/app/.rasa", "/app/.config"},
		Secrets:       []contract.Group{contract.RasaLicense, contract.RasaKafka},
		Rasa:          true,
	},
	{
		App:  config.RasaProServices,
		Port: 8732, HealthPath: "/healthcheck",
		WritablePaths: []string{"/tmp"},
		Secrets:       []contract.Group{contract.RasaLicense, contract.Analytics, contract.RasaKafka},
		Rasa:          true,
	},
}

// enabledApps are the apps the config turns on, in catalog order.
func enabledApps(cfg *config.Config) []appDef {
	var out []appDef
	for _, def := range appCatalog {
		if def.Of(cfg).On() {
			out = append(out, def)
		}
	}
	return out
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
