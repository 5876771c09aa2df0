package search

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseURL(t *testing.T) {
	host, port, tls, err := ParseURL("https://es.example.com:9243")
	assert.NoError(t, err)
	assert.Equal(t, "es.example.com", host)
	assert.Equal(t, 9243, port)
	assert.True(t, tls)

	_, port, tls, err = ParseURL("http://es")
	assert.NoError(t, err)
	assert.Equal(t, DefaultPort, port)
	assert.False(t, tls)

	for _, bad := range []string{"", "es:9200", "ftp://es", "https://", "https://es:0", "https://es:99999"} {
		_, _, _, err := ParseURL(bad)
		assert.Error(t, err, bad)
	}
}
