package network

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubnetCarvesNonOverlappingBlocks(t *testing.T) {
	_, base, err := net.ParseCIDR("10.40.0.0/16")
	require.NoError(t, err)
	var got []string
	for i := 0; i < 3; i++ {
		priv, err := subnet(base, 3, i)
		require.NoError(t, err)
		pub, err := subnet(base, 4, 12+i)
		require.NoError(t, err)
		got = append(got, priv, pub)
	}
	assert.Equal(t, []string{
		"10.40.0.0/19", "10.40.192.0/20",
		"10.40.32.0/19", "10.40.208.0/20",
		"10.40.64.0/19", "10.40.224.0/20",
	}, got)
	for i, a := range got {
		for _, b := range got[i+1:] {
			_, na, _ := net.ParseCIDR(a)
			_, nb, _ := net.ParseCIDR(b)
			assert.False(t, na.Contains(nb.IP) || nb.Contains(na.IP), "%s overlaps %s", a, b)
		}
	}
}

func TestSubnetRejectsWhatDoesNotFit(t *testing.T) {
	_, base, _ := net.ParseCIDR("10.0.0.0/20")
	got, err := subnet(base, 4, 15)
	require.NoError(t, err)
	assert.Equal(t, "10.0.15.0/24", got)
	_, err = subnet(base, 4, 16)
	assert.Error(t, err)
	_, base, _ = net.ParseCIDR("10.0.0.0/30")
	_, err = subnet(base, 4, 0)
	assert.Error(t, err)
}
