package config

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type decodeTarget struct {
	Name   string            `json:"name"`
	Count  int               `json:"count"`
	On     *bool             `json:"on"`
	Labels map[string]string `json:"labels"`
	Items  []string          `json:"items"`
	Nested *struct {
		Port int `json:"port"`
	} `json:"nested"`
}

func decode(t *testing.T, raw string) (decodeTarget, []Problem) {
	t.Helper()
	v, err := parseJSON(raw)
	require.NoError(t, err)
	var out decodeTarget
	probs := &problems{}
	decodeValue("k", v, reflect.ValueOf(&out).Elem(), probs)
	return out, probs.list
}

func TestDecodeKeepsGoingAndNamesEveryPath(t *testing.T) {
	_, probs := decode(t, `{"name": {}, "count": "x", "on": "maybe", "labels": [], "items": [[]], "nested": {"prot": 1}, "extra": 1}`)
	var keys []string
	for _, p := range probs {
		keys = append(keys, p.Key)
	}
	assert.ElementsMatch(t, []string{"k.name", "k.count", "k.on", "k.labels", "k.items[0]", "k.nested.prot", "k.extra"}, keys)
}

func TestDecodeAcceptsWellTypedValues(t *testing.T) {
	out, probs := decode(t, `{"name": "a", "count": "7", "on": "true", "labels": {"x": "y"}, "items": ["i"], "nested": {"port": 5432}}`)
	assert.Empty(t, probs)
	assert.Equal(t, "a", out.Name)
	assert.Equal(t, 7, out.Count, "numbers set with `pulumi config set --path` arrive as strings")
	assert.True(t, *out.On)
	assert.Equal(t, map[string]string{"x": "y"}, out.Labels)
	assert.Equal(t, []string{"i"}, out.Items)
	assert.Equal(t, 5432, out.Nested.Port)
}

func TestDecodeTakesScalarsForStrings(t *testing.T) {
	// `pulumi config set --path apps.x.image.tag 3` stores the number 3.
	out, probs := decode(t, `{"name": 3, "items": [true]}`)
	assert.Empty(t, probs)
	assert.Equal(t, "3", out.Name)
	assert.Equal(t, []string{"true"}, out.Items)
}

func TestDecodeRejectsFractions(t *testing.T) {
	_, probs := decode(t, `{"count": 1.5}`)
	require.Len(t, probs, 1)
	assert.Equal(t, "k.count", probs[0].Key)
}
