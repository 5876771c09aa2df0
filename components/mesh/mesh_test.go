package mesh

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Istio's route timeout bounds every try together (HTTPRoute.timeout, istio.io/api
// networking/v1alpha3/virtual_service.proto): each try gets its share, so a retry after a
// timed-out try still fits in the route timeout.
func TestPerTryTimeoutLeavesRoomForTheRetries(t *testing.T) {
	r := routeRetries("30s", 2)
	assert.Equal(t, 2, r.Attempts)
	assert.Equal(t, "10s", r.PerTryTimeout, "three tries share 30s")
	assert.NotEmpty(t, r.RetryOn)

	assert.Equal(t, "5s", routeRetries("10s", 1).PerTryTimeout)
	assert.Equal(t, "3333ms", routeRetries("10s", 2).PerTryTimeout, "milliseconds where seconds are not exact")
	assert.Equal(t, "20s", routeRetries("1m", 2).PerTryTimeout)

	off := routeRetries("30s", 0)
	assert.Equal(t, 0, off.Attempts, "0 turns retries off")
	assert.Empty(t, off.PerTryTimeout)
}
