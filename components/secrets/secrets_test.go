package secrets

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMissingKeysNamesTheSecretKeyAndReaders(t *testing.T) {
	need := map[string][]string{"password": {"POSTGRES_PASSWORD"}, "host": {"POSTGRES_HOST"}}
	assert.NoError(t, MissingKeys("pg-secret", map[string]string{"password": "x", "host": "y", "extra": "z"}, need))
	err := MissingKeys("pg-secret", map[string]string{"host": "y"}, need)
	require.Error(t, err)
	assert.Equal(t, `the customer's Secret pg-secret has no key "password" (read as [POSTGRES_PASSWORD]); add the key to the Secret or fix the reference in the stack config`, err.Error())
	err = MissingKeys("pg-secret", nil, need)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no key "host" (read as [POSTGRES_HOST]) and "password" (read as [POSTGRES_PASSWORD]); add the keys`)
}
