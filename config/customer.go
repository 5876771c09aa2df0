package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/workfx/workfx-platform/components/secrets/contract"
)

// CustomerSecret is a Secret the customer keeps in the app namespace and the pods read: the keys
// the apps need from it (the image pull Secret has none of the contract's).
type CustomerSecret struct {
	Name string   `json:"name"`
	Keys []string `json:"keys,omitempty"`
	// PullSecret: the image pull Secret (kubernetes.io/dockerconfigjson).
	PullSecret bool `json:"pullSecret,omitempty"`
	// DeclaredAt are the config keys that name it.
	DeclaredAt []string `json:"declaredAt"`
}

// CustomerSecrets lists, sorted by name, every Secret of the customer's the program reads before
// the apps start: each {secretName, key} reference, each contract Secret in workfx:secrets.existing
// (with its required keys) and the image pull Secret. The offline plan assumes exactly these
// exist; the real-engine suite creates exactly these, as the customer would.
func (c *Config) CustomerSecrets() []CustomerSecret {
	byName := map[string]*CustomerSecret{}
	get := func(name, at string) *CustomerSecret {
		cs := byName[name]
		if cs == nil {
			cs = &CustomerSecret{Name: name}
			byName[name] = cs
		}
		cs.DeclaredAt = append(cs.DeclaredAt, at)
		return cs
	}
	walkRefs(Namespace+":", reflect.ValueOf(c).Elem(), func(path string, ref *SecretRef) {
		if c.refRead(path) {
			cs := get(ref.SecretName, path)
			cs.Keys = append(cs.Keys, ref.Key)
		}
	})
	for _, name := range c.Secrets.Existing {
		spec, ok := contract.Lookup(name)
		if !ok {
			continue
		}
		cs := get(name, "workfx:secrets.existing")
		for _, k := range spec.Keys {
			if !k.Optional {
				cs.Keys = append(cs.Keys, k.Name)
			}
		}
	}
	if c.Images.PullSecret != "" {
		get(c.Images.PullSecret, "workfx:images.pullSecret").PullSecret = true
	}
	out := make([]CustomerSecret, 0, len(byName))
	for _, name := range sortedNames(byName) {
		cs := byName[name]
		sort.Strings(cs.Keys)
		cs.Keys = slicesCompact(cs.Keys)
		out = append(out, *cs)
	}
	return out
}

// refRead reports whether an app reads the reference at path: one for an app that is off, or
// for a credential whose contract Secret the customer owns, is never read.
func (c *Config) refRead(path string) bool {
	rasaOn := c.RasaOn()
	switch path {
	case "workfx:credentials.rasaProLicenseRef":
		return rasaOn && !c.Secrets.Owns(contract.RasaLicenseSecret)
	case "workfx:credentials.analyticsDbUrlRef":
		return c.Apps.RasaProServices.On() && !c.Secrets.Owns(contract.AnalyticsDBSecret)
	}
	return true
}

// walkRefs calls fn for every non-nil *SecretRef in v, with its config key path.
func walkRefs(path string, v reflect.Value, fn func(string, *SecretRef)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if ref, ok := v.Interface().(*SecretRef); ok {
			fn(path, ref)
			return
		}
		walkRefs(path, v.Elem(), fn)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if name := jsonName(v.Type().Field(i)); name != "" {
				sep := "."
				if strings.HasSuffix(path, ":") {
					sep = ""
				}
				walkRefs(path+sep+name, v.Field(i), fn)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkRefs(fmt.Sprintf("%s[%d]", path, i), v.Index(i), fn)
		}
	}
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func slicesCompact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
