// Package plan runs the program in-process under the Pulumi SDK's mock monitor, records every
// resource registration, and renders the record as Kubernetes manifests, plan.json and a summary.
// The offline `plan` command and the test suite both use it.
package plan

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource is one registration, as the engine would have received it.
type Resource struct {
	URN            string   `json:"urn"`
	Type           string   `json:"type"`
	Name           string   `json:"name"`
	Custom         bool     `json:"custom"`
	Parent         string   `json:"parent,omitempty"`
	Dependencies   []string `json:"dependencies,omitempty"`
	Provider       string   `json:"provider,omitempty"`
	Protect        bool     `json:"protect"`
	RetainOnDelete bool     `json:"retainOnDelete"`
	// DeleteBeforeReplace and IgnoreChanges matter when reviewing stateful resources.
	DeleteBeforeReplace bool     `json:"deleteBeforeReplace,omitempty"`
	IgnoreChanges       []string `json:"ignoreChanges,omitempty"`
	// AdditionalSecretOutputs are output properties the program asked to keep secret.
	AdditionalSecretOutputs []string `json:"additionalSecretOutputs,omitempty"`
	// SecretInputs are the paths of input values that are secret.
	SecretInputs []string `json:"secretInputs,omitempty"`
	// Read marks an existing object the program reads (e.g. a customer's Secret): the engine
	// looks it up, never creates, changes or deletes it. ID is what it is read by.
	Read bool   `json:"read,omitempty"`
	ID   string `json:"id,omitempty"`

	inputs resource.PropertyMap
}

// Inputs returns the inputs as plain Go values; secret values are redacted unless showSecrets.
func (r *Resource) Inputs(showSecrets bool) map[string]any {
	return plainMap(r.inputs, showSecrets)
}

// Input returns the plain value at a dotted path of the inputs (e.g. "spec.replicas"), and
// whether that value or anything inside it is secret. Missing paths return nil.
func (r *Resource) Input(path string) (any, bool) {
	v := resource.NewObjectProperty(r.inputs)
	inSecret := false // a value inside a secret is secret
	for _, part := range strings.Split(path, ".") {
		for v.IsSecret() {
			inSecret = true
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return nil, false
		}
		v = v.ObjectValue()[resource.PropertyKey(part)]
	}
	return plainValue(v, true), inSecret || v.ContainsSecrets()
}

// Str is Input for string values ("" when missing or not a string).
func (r *Resource) Str(path string) string {
	v, _ := r.Input(path)
	s, _ := v.(string)
	return s
}

// IsKubernetes reports whether the resource is a Kubernetes object (not a provider or Helm release).
func (r *Resource) IsKubernetes() bool {
	return strings.HasPrefix(r.Type, "kubernetes:") && r.Type != "kubernetes:helm.sh/v3:Release"
}

// APIVersionKind derives a Kubernetes object's apiVersion and kind from its type token
// (kubernetes:apps/v1:Deployment → apps/v1, Deployment; core/v1 → v1; *Patch kinds → the kind).
func (r *Resource) APIVersionKind() (string, string) {
	parts := strings.SplitN(r.Type, ":", 3)
	if len(parts) != 3 {
		return "", ""
	}
	apiVersion, kind := parts[1], strings.TrimSuffix(parts[2], "Patch")
	apiVersion = strings.TrimPrefix(apiVersion, "core/")
	if v := r.Str("apiVersion"); v != "" {
		apiVersion = v
	}
	if k := r.Str("kind"); k != "" {
		kind = k
	}
	return apiVersion, kind
}

// Recorder is the mock monitor: it records each registration and returns plausible outputs.
type Recorder struct {
	project, stack string

	mu        sync.Mutex
	resources []*Resource
	// Outputs lets a test or a backend add computed outputs per type (e.g. a cluster endpoint).
	Outputs map[string]func(inputs resource.PropertyMap) resource.PropertyMap
	// Invokes answers provider functions by token.
	Invokes map[string]func(args resource.PropertyMap) resource.PropertyMap
	// ProviderInvokes answer provider functions whose answer depends on the provider instance
	// called (an aws provider's region); they take precedence over Invokes.
	ProviderInvokes map[string]func(call pulumi.MockCallArgs) resource.PropertyMap
	// FailingInvokes answer an invoke with an error, as the cloud does for what does not exist
	// (a test sets them; the lookup fails when the function returns an error).
	FailingInvokes map[string]func(args resource.PropertyMap) error
	// Existing answers reads (kubernetes:core/v1:Secret by "namespace/name"): what the cluster
	// already holds. A read of anything else fails as the provider would ("does not exist").
	Existing map[string]map[string]resource.PropertyMap
	// NotCreated are types (unversioned) whose resources do not exist yet: in a preview
	// (RunPreview) their ids are unknown, as the engine reports them before a create.
	NotCreated map[string]bool
	dryRun     bool
	invoked    map[string]int
	invokeArgs map[string][]resource.PropertyMap
}

// Invoked reports how often a provider function (by its unversioned token) was called.
func (m *Recorder) Invoked(token string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.invoked[unversioned(token)]
}

// InvokedTokens lists every provider function called (unversioned tokens), sorted.
func (m *Recorder) InvokedTokens() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.invoked))
	for tok := range m.invoked {
		out = append(out, tok)
	}
	sort.Strings(out)
	return out
}

// InvokeArgs returns the arguments of each call of a provider function (by its unversioned
// token), as plain values, in call order.
func (m *Recorder) InvokeArgs(token string) []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []map[string]any
	for _, a := range m.invokeArgs[unversioned(token)] {
		out = append(out, plainMap(a, true))
	}
	return out
}

// azureAPIVersion matches the API-version segment of an explicitly versioned azure-native
// token ("azure-native:cache/v20250401:RedisEnterprise").
var azureAPIVersion = regexp.MustCompile(`/v20[0-9]{6}[a-z]*:`)

// unversioned is a token without its API version.
func unversioned(token string) string { return azureAPIVersion.ReplaceAllString(token, ":") }

// AddExistingSecret makes a read of the Secret namespace/name answer with the given keys (their
// values are secret placeholders) and a resourceVersion, as the customer's cluster would.
func (m *Recorder) AddExistingSecret(namespace, name string, keys []string) {
	data := resource.PropertyMap{}
	for _, k := range keys {
		data[resource.PropertyKey(k)] = resource.NewStringProperty(CustomerPlaceholder)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Existing == nil {
		m.Existing = map[string]map[string]resource.PropertyMap{}
	}
	const typ = "kubernetes:core/v1:Secret"
	if m.Existing[typ] == nil {
		m.Existing[typ] = map[string]resource.PropertyMap{}
	}
	m.Existing[typ][namespace+"/"+name] = resource.PropertyMap{
		"apiVersion": resource.NewStringProperty("v1"),
		"kind":       resource.NewStringProperty("Secret"),
		"metadata": resource.NewObjectProperty(resource.PropertyMap{
			"name": resource.NewStringProperty(name), "namespace": resource.NewStringProperty(namespace),
			"resourceVersion": resource.NewStringProperty("1"),
		}),
		"data": resource.MakeSecret(resource.NewObjectProperty(data)),
	}
}

// AddExistingPullSecret makes a read of the image pull Secret namespace/name answer as a
// kubernetes.io/dockerconfigjson Secret whose (base64) .dockerconfigjson is an empty but valid
// Docker config, so copies of it in a plan are objects the API server accepts.
func (m *Recorder) AddExistingPullSecret(namespace, name string) {
	m.AddExistingSecret(namespace, name, nil)
	m.mu.Lock()
	defer m.mu.Unlock()
	obj := m.Existing["kubernetes:core/v1:Secret"][namespace+"/"+name]
	obj["type"] = resource.NewStringProperty("kubernetes.io/dockerconfigjson")
	obj["data"] = resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{
		".dockerconfigjson": resource.NewStringProperty(PullSecretPlaceholder),
	}))
}

// PullSecretPlaceholder is base64 of {"auths":{}}: the data of the customer's image pull Secret
// in a plan.
const PullSecretPlaceholder = "eyJhdXRocyI6e319"

// CustomerPlaceholder is the value of a key of a customer's Secret in a plan.
const CustomerPlaceholder = "[customer]"

// NewRecorder returns a recorder for the project and stack (they form the URNs).
func NewRecorder(project, stack string) *Recorder {
	r := &Recorder{project: project, stack: stack,
		Outputs: map[string]func(resource.PropertyMap) resource.PropertyMap{
			// A generated password: a placeholder, secret as the provider marks it.
			"random:index/randomPassword:RandomPassword": func(resource.PropertyMap) resource.PropertyMap {
				return resource.PropertyMap{"result": resource.MakeSecret(resource.NewStringProperty(GeneratedPlaceholder))}
			},
			// A random name part: lowercase letters and digits of the requested length.
			"random:index/randomString:RandomString": func(in resource.PropertyMap) resource.PropertyMap {
				n := 6
				if v, ok := in["length"]; ok && v.IsNumber() {
					n = int(v.NumberValue())
				}
				return resource.PropertyMap{"result": resource.NewStringProperty(strings.Repeat("r4nd0m", n/6+1)[:n])}
			},
			// A random id (4 bytes, as hex): drawn once, stable for the stack's lifetime.
			"random:index/randomId:RandomId": func(resource.PropertyMap) resource.PropertyMap {
				return resource.PropertyMap{"hex": resource.NewStringProperty("0a1b2c3d")}
			},
		},
		Invokes:         map[string]func(resource.PropertyMap) resource.PropertyMap{},
		ProviderInvokes: map[string]func(pulumi.MockCallArgs) resource.PropertyMap{}}
	registerAzureMocks(r)
	registerAWSMocks(r)
	return r
}

// GeneratedPlaceholder is the value a generated password has in a plan.
const GeneratedPlaceholder = "[generated]"

var _ pulumi.MockResourceMonitor = (*Recorder)(nil)

// NewResource records a registration.
func (m *Recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	r := &Resource{Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Provider: args.Provider, inputs: args.Inputs}
	if read := args.ReadRPC; read != nil {
		r.Read, r.ID, r.Custom = true, args.ID, true
		r.Parent = read.GetParent()
		r.Dependencies = uniqueSorted(read.GetDependencies())
		r.URN = m.urn(r.Parent, r.Type, r.Name)
		m.mu.Lock()
		m.resources = append(m.resources, r)
		state, ok := m.Existing[r.Type][args.ID]
		m.mu.Unlock()
		if !ok {
			return "", nil, fmt.Errorf("resource '%s' does not exist", args.ID)
		}
		return args.ID, state.Copy(), nil
	}
	if rpc != nil {
		r.Parent = rpc.GetParent()
		r.Dependencies = uniqueSorted(rpc.GetDependencies())
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		r.IgnoreChanges = rpc.GetIgnoreChanges()
		r.AdditionalSecretOutputs = rpc.GetAdditionalSecretOutputs()
	}
	r.URN = m.urn(r.Parent, r.Type, r.Name)
	r.SecretInputs = secretPaths("", resource.NewObjectProperty(args.Inputs))

	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()

	outputs := args.Inputs.Copy()
	if strings.HasPrefix(r.Type, "kubernetes:") {
		ensureMetadata(outputs, args.Name)
	}
	f, ok := m.Outputs[r.Type]
	if !ok {
		f, ok = m.Outputs[unversioned(r.Type)]
	}
	if ok {
		for k, v := range f(args.Inputs) {
			outputs[k] = v
		}
	}
	if m.dryRun && m.NotCreated[unversioned(r.Type)] {
		return "", outputs, nil // the engine's preview of a create: no id yet
	}
	return args.Name + "-id", outputs, nil
}

// Call answers an invoke.
func (m *Recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	tok := unversioned(args.Token)
	m.mu.Lock()
	if m.invoked == nil {
		m.invoked = map[string]int{}
	}
	m.invoked[tok]++
	if m.invokeArgs == nil {
		m.invokeArgs = map[string][]resource.PropertyMap{}
	}
	m.invokeArgs[tok] = append(m.invokeArgs[tok], args.Args.Copy())
	m.mu.Unlock()
	if f, ok := m.FailingInvokes[args.Token]; ok {
		if err := f(args.Args); err != nil {
			return nil, err
		}
	}
	if f, ok := m.ProviderInvokes[args.Token]; ok {
		return f(args), nil
	}
	if f, ok := m.Invokes[args.Token]; ok {
		return f(args.Args), nil
	}
	if f, ok := m.Invokes[tok]; ok {
		return f(args.Args), nil
	}
	return resource.PropertyMap{}, nil
}

// ProviderInput is a string input of the provider instance a call went to (a provider reference
// is "<provider URN>::<id>"); "" when unknown.
func (m *Recorder) ProviderInput(ref, key string) string {
	urn := ref
	if i := strings.LastIndex(ref, "::"); i > 0 {
		urn = ref[:i]
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.resources {
		if r.URN == urn {
			return r.Str(key)
		}
	}
	return ""
}

// urn mirrors the mock monitor's URN scheme (parent type chain included).
func (m *Recorder) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// Resources returns the record sorted by URN (registration order is concurrent, hence random).
func (m *Recorder) Resources() []*Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]*Resource(nil), m.resources...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// ensureMetadata gives a Kubernetes object the name and resourceVersion the API server would.
func ensureMetadata(outputs resource.PropertyMap, name string) {
	obj := resource.PropertyMap{}
	if meta, ok := outputs["metadata"]; ok && meta.IsObject() {
		obj = meta.ObjectValue().Copy()
	}
	if _, ok := obj["name"]; !ok {
		obj["name"] = resource.NewStringProperty(name)
	}
	obj["resourceVersion"] = resource.NewStringProperty("1")
	outputs["metadata"] = resource.NewObjectProperty(obj)
}

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// secretPaths lists where secret values sit in an input tree.
func secretPaths(path string, v resource.PropertyValue) []string {
	switch {
	case v.IsSecret():
		return []string{path}
	case v.IsObject():
		var out []string
		for _, k := range v.ObjectValue().StableKeys() {
			out = append(out, secretPaths(join(path, string(k)), v.ObjectValue()[k])...)
		}
		return out
	case v.IsArray():
		var out []string
		for i, e := range v.ArrayValue() {
			out = append(out, secretPaths(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
		return out
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Redacted is what a secret value renders as without --show-secrets.
const Redacted = "[secret]"

// redacted keeps the shape of a secret (an object's keys stay visible, so a Secret's manifest
// still shows its contract and stays valid) and hides every leaf.
func redacted(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return redacted(v.SecretValue().Element)
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = redacted(e)
		}
		return out
	case v.IsArray():
		out := make([]any, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			out = append(out, redacted(e))
		}
		return out
	}
	return Redacted
}

func plainMap(m resource.PropertyMap, showSecrets bool) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if strings.HasPrefix(string(k), "__") {
			continue // SDK bookkeeping such as __defaults
		}
		out[string(k)] = plainValue(v, showSecrets)
	}
	return out
}

func plainValue(v resource.PropertyValue, showSecrets bool) any {
	switch {
	case v.IsSecret():
		if !showSecrets {
			return redacted(v.SecretValue().Element)
		}
		return plainValue(v.SecretValue().Element, showSecrets)
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		n := v.NumberValue()
		if n == float64(int64(n)) {
			return int64(n)
		}
		return n
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := make([]any, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			out = append(out, plainValue(e, showSecrets))
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue(), showSecrets)
	case v.IsComputed(), v.IsOutput():
		return "[unknown]"
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset(), v.IsArchive():
		return "[asset]"
	}
	return fmt.Sprintf("%v", v)
}
