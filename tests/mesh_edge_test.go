package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Seed 003: the gateway answers browsers with HSTS (by default, one year) and, for the origins a
// stack lists, CORS, on the public API's route only.
func TestPublicRouteSendsHSTSAndCORS(t *testing.T) {
	p := planStack(t, "ka")
	api := p.Object("VirtualService", kaNamespace, "workfx-api")
	require.NotNil(t, api)
	route := listAt(api, "spec.http")[0].(map[string]any)
	assert.Equal(t, map[string]any{"response": map[string]any{"set": map[string]any{"Strict-Transport-Security": "max-age=31536000"}}},
		route["headers"], "HSTS by default")
	assert.Nil(t, route["corsPolicy"], "no origin is allowed unless the stack lists it")
	for _, app := range []string{"workfx-cdc", "rasa-pro", "rasa-pro-services"} {
		if vs := p.Object("VirtualService", kaNamespace, app); vs != nil {
			r := listAt(vs, "spec.http")[0].(map[string]any)
			assert.Nil(t, r["headers"], "%s is not behind the gateway", app)
			assert.Nil(t, r["corsPolicy"], app)
		}
	}

	p = mustPlan(t, "ka-cors", kaWith(t, []edit{
		{"workfx:mesh.hsts", map[string]any{"maxAgeSeconds": 63072000, "includeSubDomains": true}},
		{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://console.contoso.com"}, "allowCredentials": true}},
	}))
	route = listAt(p.Object("VirtualService", kaNamespace, "workfx-api"), "spec.http")[0].(map[string]any)
	assert.Equal(t, "max-age=63072000; includeSubDomains",
		route["headers"].(map[string]any)["response"].(map[string]any)["set"].(map[string]any)["Strict-Transport-Security"])
	assert.Equal(t, map[string]any{
		"allowOrigins":     []any{map[string]any{"exact": "https://console.contoso.com"}},
		"allowMethods":     []any{"GET", "POST", "PUT", "PATCH", "DELETE"},
		"allowHeaders":     []any{"authorization", "content-type"},
		"maxAge":           "24h",
		"allowCredentials": true,
	}, route["corsPolicy"])

	p = mustPlan(t, "ka-no-hsts", kaWith(t, []edit{{"workfx:mesh.hsts.maxAgeSeconds", 0}}))
	route = listAt(p.Object("VirtualService", kaNamespace, "workfx-api"), "spec.http")[0].(map[string]any)
	assert.Nil(t, route["headers"], "maxAgeSeconds 0 sends no header")
}

func TestEdgeValidation(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
		key   string
	}{
		{"hsts negative", []edit{{"workfx:mesh.hsts.maxAgeSeconds", -1}}, "workfx:mesh.hsts.maxAgeSeconds"},
		{"no origins", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{}}}}, "workfx:mesh.cors.allowOrigins"},
		{"origin with path", []edit{{"workfx:mesh.cors.allowOrigins", []any{"https://console.contoso.com/app"}}}, "workfx:mesh.cors.allowOrigins[0]"},
		{"wildcard origin", []edit{{"workfx:mesh.cors.allowOrigins", []any{"https://*.contoso.com"}}}, "workfx:mesh.cors.allowOrigins[0]"},
		{"http origin in prod", []edit{{"workfx:mesh.cors.allowOrigins", []any{"http://console.contoso.com"}}}, "workfx:mesh.cors.allowOrigins[0]"},
		{"method", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://a.contoso.com"}, "allowMethods": []any{"FETCH"}}}}, "workfx:mesh.cors.allowMethods[0]"},
		{"header", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://a.contoso.com"}, "allowHeaders": []any{"x bad"}}}}, "workfx:mesh.cors.allowHeaders[0]"},
		{"max age", []edit{{"workfx:mesh.cors", map[string]any{"allowOrigins": []any{"https://a.contoso.com"}, "maxAge": "7d"}}}, "workfx:mesh.cors.maxAge"},
		{"without a mesh", []edit{{"workfx:mesh", map[string]any{"mode": "disabled", "cors": map[string]any{"allowOrigins": []any{"https://a.contoso.com"}}}}}, "workfx:mesh.cors"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Contains(t, configProblemKeys(t, kaWith(t, c.edits)), c.key)
		})
	}
}
