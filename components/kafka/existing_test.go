package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBrokerPorts(t *testing.T) {
	assert.Equal(t, []int{9096}, BrokerPorts("a:9096, b:9096,c:9096"))
	assert.Equal(t, []int{9092, 9093}, BrokerPorts("a:9092,b:9093"))
	assert.Empty(t, BrokerPorts("no-port"))
}
