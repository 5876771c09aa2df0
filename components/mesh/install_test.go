package mesh

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceEntry(t *testing.T) {
	se, err := serviceEntry(External{Name: "kafka", TLS: true}, "b-1.example.com:9096, b-2.example.com:9096")
	require.NoError(t, err)
	assert.Equal(t, []string{"b-1.example.com", "b-2.example.com"}, se.Hosts)
	assert.Equal(t, []sePort{{Number: 9096, Name: "tls-9096", Protocol: "TLS"}}, se.Ports)
	assert.Equal(t, "DNS", se.Resolution)
	assert.Equal(t, "MESH_EXTERNAL", se.Location)
	assert.Equal(t, []string{"."}, se.ExportTo, "visible to the apps' namespace only")

	se, err = serviceEntry(External{Name: "models", DefaultPort: 443, TLS: true}, "api.example.com")
	require.NoError(t, err)
	assert.Equal(t, 443, se.Ports[0].Number, "bare hosts take the default port")

	// Istio hosts must be names: an IP is matched by address under a synthetic name.
	se, err = serviceEntry(External{Name: "postgres"}, "10.1.2.3:5432")
	require.NoError(t, err)
	assert.Equal(t, []string{"postgres.external.workfx"}, se.Hosts)
	assert.Equal(t, []string{"10.1.2.3"}, se.Addresses)
	assert.Equal(t, "NONE", se.Resolution)
	assert.Equal(t, "TCP", se.Ports[0].Protocol)

	// A wildcard (S3's virtual-hosted buckets) cannot be resolved: matched by SNI instead, which
	// needs TLS, and never mixed with a resolvable host in one entry.
	se, err = serviceEntry(External{Name: "buckets", TLS: true}, "*.s3.us-east-1.amazonaws.com:443")
	require.NoError(t, err)
	assert.Equal(t, "NONE", se.Resolution)
	assert.Empty(t, se.Addresses)
	_, err = serviceEntry(External{Name: "buckets"}, "*.s3.us-east-1.amazonaws.com:443")
	assert.Error(t, err, "plain TCP to a wildcard cannot be matched")
	_, err = serviceEntry(External{Name: "mixed", TLS: true}, "*.s3.us-east-1.amazonaws.com:443,s3.us-east-1.amazonaws.com:443")
	assert.Error(t, err)

	_, err = serviceEntry(External{Name: "x"}, "host-without-port")
	assert.Error(t, err, "no port and no default")
	_, err = serviceEntry(External{Name: "x", DefaultPort: 1}, " , ")
	assert.Error(t, err, "no endpoints")
}

func TestHub(t *testing.T) {
	assert.Equal(t, "docker.io/istio", Hub(""))
	assert.Equal(t, "registry.internal:5000/mirror/istio", Hub("registry.internal:5000/mirror/"))
}

func TestIstiodValuesPerEnvironment(t *testing.T) {
	args := &InstallArgs{Version: "1.31.1", IstioNamespace: "istio-system", IstiodReplicas: 1, IstiodMaxReplicas: 1, OutboundTrafficPolicy: "ALLOW_ANY"}
	dev := istiodValues(args)
	assert.False(t, dev.Global.DefaultPodDisruptionBudget.Enabled, "one replica: a PDB would block drains")
	assert.False(t, dev.AutoscaleEnabled)
	assert.Empty(t, dev.MeshConfig.AccessLogFile)
	assert.Nil(t, dev.MeshConfig.DefaultProviders)

	args.HA, args.IstiodReplicas, args.IstiodMaxReplicas = true, 2, 5
	args.AccessLog, args.TracingEndpoint, args.OutboundTrafficPolicy = true, "otel.observability:4317", "REGISTRY_ONLY"
	prod := istiodValues(args)
	assert.True(t, prod.Global.DefaultPodDisruptionBudget.Enabled)
	assert.True(t, prod.AutoscaleEnabled)
	assert.Equal(t, 5, prod.AutoscaleMax)
	assert.Equal(t, "/dev/stdout", prod.MeshConfig.AccessLogFile)
	assert.Equal(t, "REGISTRY_ONLY", prod.MeshConfig.OutboundTrafficPolicy.Mode)
	assert.Equal(t, map[string]string{"ISTIO_META_DNS_CAPTURE": "true"}, prod.MeshConfig.DefaultConfig.ProxyMetadata,
		"DNS proxy on; the deprecated proxy-side auto-allocation off")
	require.Len(t, prod.MeshConfig.ExtensionProviders, 1)
	assert.Equal(t, otelProvider{Service: "otel.observability", Port: 4317}, *prod.MeshConfig.ExtensionProviders[0].Opentelemetry)
	assert.Equal(t, []string{TracingProvider}, prod.MeshConfig.DefaultProviders.Tracing)
}

func TestGatewayValues(t *testing.T) {
	args := &InstallArgs{Version: "1.31.1", Gateway: GatewayArgs{ServiceType: "NodePort", Replicas: 1, MaxReplicas: 1, Selector: map[string]string{"istio": "ingressgateway"}}}
	v := gatewayValues(args)
	assert.Equal(t, "NodePort", v.Service.Type)
	assert.False(t, v.Autoscaling.Enabled, "no HPA when min = max")
	assert.Nil(t, v.PodDisruptionBudget)
	assert.Equal(t, map[string]string{"istio": "ingressgateway"}, v.Labels)

	args.HA, args.Gateway.Replicas, args.Gateway.MaxReplicas = true, 2, 4
	v = gatewayValues(args)
	assert.True(t, v.Autoscaling.Enabled)
	require.NotNil(t, v.PodDisruptionBudget)
	assert.Equal(t, 1, v.PodDisruptionBudget.MinAvailable)
}
