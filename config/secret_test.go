package config

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	cfg := struct{ Password Secret }{s}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), fmt.Sprintf("%s", s)} {
		assert.NotContains(t, out, "hunter2")
	}
	b, err := json.Marshal(cfg)
	assert.NoError(t, err)
	assert.NotContains(t, string(b), "hunter2")
}
