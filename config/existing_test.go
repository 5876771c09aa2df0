package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBrokerPorts(t *testing.T) {
	assert.Equal(t, []int{9096}, BrokerPorts("a:9096, b:9096,c:9096"))
	assert.Equal(t, []int{9092, 9093}, BrokerPorts("a:9092,b:9093"))
	assert.Empty(t, BrokerPorts("no-port"))
}

func TestParseSearchURL(t *testing.T) {
	host, port, tls, err := ParseSearchURL("https://es.example.com:9243")
	assert.NoError(t, err)
	assert.Equal(t, "es.example.com", host)
	assert.Equal(t, 9243, port)
	assert.True(t, tls)

	_, port, tls, err = ParseSearchURL("http://es")
	assert.NoError(t, err)
	assert.Equal(t, DefaultSearchPort, port)
	assert.False(t, tls)

	for _, bad := range []string{"", "es:9200", "ftp://es", "https://", "https://es:0", "https://es:99999"} {
		_, _, _, err := ParseSearchURL(bad)
		assert.Error(t, err, bad)
	}
}
