package credential

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/workfx/workfx-platform/config"
)

func TestFromConfigPrefersTheReference(t *testing.T) {
	ref := &config.SecretRef{SecretName: "s", Key: "k"}
	assert.Equal(t, ref, FromConfig("", ref).Ref)
	assert.False(t, FromConfig("", nil).IsSet())
	assert.True(t, FromConfig("x", nil).IsSet())
}
