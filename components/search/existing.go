package search

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workfx/workfx-platform/components/credential"
)

// DefaultPort is Elasticsearch's HTTP port, used when the URL names none.
const DefaultPort = 9200

// ParseURL splits an Elasticsearch URL into the host, port and TLS flag of seed 001's es-secret.
func ParseURL(raw string) (host string, port int, useSSL bool, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "", 0, false, fmt.Errorf("must be an http:// or https:// URL with a host, got %q", raw)
	}
	port = DefaultPort
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return "", 0, false, fmt.Errorf("has an invalid port in %q", raw)
		}
	}
	return u.Hostname(), port, u.Scheme == "https", nil
}

func existingEndpoint(e *Existing) (Endpoint, error) {
	host, port, useSSL, err := ParseURL(e.URL)
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{
		URL:      e.URL,
		Host:     host,
		Port:     port,
		UseSSL:   useSSL,
		Username: pulumi.String(e.Username).ToStringOutput(),
		Password: credential.FromConfig(e.Password, e.PasswordRef),
	}, nil
}
