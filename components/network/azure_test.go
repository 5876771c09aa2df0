package network

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubnetsAreCarvedFromTheVNet(t *testing.T) {
	nodes, pg, endpoints, err := Subnets("10.40.0.0/16")
	require.NoError(t, err)
	assert.Equal(t, "10.40.0.0/22", nodes)
	assert.Equal(t, "10.40.4.0/24", pg)
	assert.Equal(t, "10.40.5.0/24", endpoints)

	_, _, _, err = Subnets("10.40.0.0/20")
	assert.Error(t, err)
	_, _, _, err = Subnets("fd00::/16")
	assert.Error(t, err)
}
