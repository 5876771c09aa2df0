package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestServerPropertiesPerEnvironment(t *testing.T) {
	prod := ServerProperties(true)
	assert.Contains(t, prod, "auto.create.topics.enable=false\n")
	assert.Contains(t, prod, "default.replication.factor=3\n")
	assert.Contains(t, prod, "min.insync.replicas=2\n")
	dev := ServerProperties(false)
	assert.Contains(t, dev, "auto.create.topics.enable=false\n")
	assert.Contains(t, dev, "min.insync.replicas=1\n")
	assert.NotContains(t, dev, "default.replication.factor=3")
}
