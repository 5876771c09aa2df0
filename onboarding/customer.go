// Package onboarding deploys the WorkFX platform for a Key Account customer through the Pulumi
// Automation API: one stack per customer (ka-<id>), configured from a Customer spec, running the
// very program `pulumi up` runs (stacks.Run) inline. An onboarding service embeds it; the
// `workfx onboard` command is a thin shell around it.
package onboarding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"gopkg.in/yaml.v3"

	"github.com/workfx/workfx-platform/config"
)

// StackPrefix prefixes every customer stack: customer "contoso" deploys to stack "ka-contoso".
const StackPrefix = "ka-"

// Customer is what an onboarding service knows about a KA customer. Every section has the shape
// of the stack config key of the same name (Pulumi.yaml documents them; Pulumi.ka.yaml is a full
// example): a customer file is a stack file without the "workfx:" prefixes, plus the customer id.
// Credentials are given either as values (they are stored as Pulumi secrets) or as references to
// Secrets the customer keeps in the namespace (…Ref: {secretName, key}).
type Customer struct {
	// ID names the customer: a DNS-1123 label of at most 40 characters. It becomes the stack
	// name (ka-<id>) and workfx:customer.
	ID string `json:"id"`
	// Environment is dev or prod; empty means prod, since a KA customer runs production.
	Environment string `json:"environment,omitempty"`
	// Cloud is azure, aws or none (the customer's own cluster); empty means none.
	Cloud string `json:"cloud,omitempty"`

	Cluster       Section `json:"cluster,omitempty"`
	Images        Section `json:"images,omitempty"`
	Postgres      Section `json:"postgres,omitempty"`
	Redis         Section `json:"redis,omitempty"`
	Kafka         Section `json:"kafka,omitempty"`
	Elasticsearch Section `json:"elasticsearch,omitempty"`
	ObjectStorage Section `json:"objectStorage,omitempty"`
	Mesh          Section `json:"mesh,omitempty"`
	Monitoring    Section `json:"monitoring,omitempty"`
	Credentials   Section `json:"credentials,omitempty"`
	Secrets       Section `json:"secrets,omitempty"`
	Settings      Section `json:"settings,omitempty"`
	Apps          Section `json:"apps,omitempty"`
	// Azure is the Azure settings when cloud is azure (workfx:azure).
	Azure Section `json:"azure,omitempty"`
	// AWS is the AWS settings when cloud is aws (workfx:aws).
	AWS Section `json:"aws,omitempty"`
}

// Section is one structured config value, as plain data (maps, lists, strings, numbers, bools).
type Section map[string]any

// FieldError is one problem with a customer spec, named by its field path in the spec
// (e.g. "postgres.existing.port").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InvalidCustomerError lists every problem of a customer spec, so all can be fixed in one go.
type InvalidCustomerError struct {
	// Source is the file the spec came from ("" when built in memory).
	Source string
	Fields []FieldError
}

func (e *InvalidCustomerError) Error() string {
	var b strings.Builder
	b.WriteString("invalid customer spec")
	if e.Source != "" {
		fmt.Fprintf(&b, " %s", e.Source)
	}
	fmt.Fprintf(&b, " (%d problem", len(e.Fields))
	if len(e.Fields) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  - %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// LoadCustomerFile reads a customer spec from a YAML or JSON file (by extension; anything but
// .json is read as YAML) and validates it.
func LoadCustomerFile(path string) (*Customer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	format := "yaml"
	if strings.EqualFold(filepath.Ext(path), ".json") {
		format = "json"
	}
	c, err := ParseCustomer(b, format)
	var ie *InvalidCustomerError
	if errors.As(err, &ie) {
		ie.Source = path
	}
	return c, err
}

// ParseCustomer decodes a customer spec ("yaml" or "json") and validates it. Errors name the
// field at fault.
func ParseCustomer(data []byte, format string) (*Customer, error) {
	var doc any
	switch format {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("customer spec is not valid JSON: %w", err)
		}
	case "yaml":
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("customer spec is not valid YAML: %w", err)
		}
	default:
		return nil, fmt.Errorf("customer spec format %q: use yaml or json", format)
	}
	top, ok := normalize(doc).(map[string]any)
	if !ok {
		return nil, &InvalidCustomerError{Fields: []FieldError{{Field: "(document)", Message: "must be a mapping of id, environment, cloud and the config sections"}}}
	}

	c := &Customer{}
	var probs []FieldError
	fields := specFields()
	for _, key := range sortedKeys(top) {
		f, known := fields[key]
		if !known {
			probs = append(probs, FieldError{key, "unknown field; allowed fields: " + strings.Join(specFieldNames(), ", ")})
			continue
		}
		dst := reflect.ValueOf(c).Elem().Field(f)
		switch dst.Kind() {
		case reflect.String:
			s, ok := top[key].(string)
			if !ok {
				probs = append(probs, FieldError{key, fmt.Sprintf("must be a string, got %s", describe(top[key]))})
				continue
			}
			dst.SetString(s)
		default: // Section
			if top[key] == nil {
				continue
			}
			m, ok := top[key].(map[string]any)
			if !ok {
				probs = append(probs, FieldError{key, fmt.Sprintf("must be a mapping, got %s", describe(top[key]))})
				continue
			}
			dst.Set(reflect.ValueOf(Section(m)))
		}
	}
	if len(probs) > 0 {
		return nil, &InvalidCustomerError{Fields: probs}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// StackName is the customer's stack: ka-<id>.
func (c *Customer) StackName() string { return StackPrefix + c.ID }

// Validate checks the spec with the program's own config validation (config.Load): the
// exact checks `pulumi up` makes, so a spec that validates here configures a stack that runs.
// Problems are reported with the spec's field paths.
func (c *Customer) Validate() error {
	var probs []FieldError
	// The id's format is the program's rule for workfx:customer (checked below); only its
	// presence is onboarding's own rule, since the stack is named after it.
	if c.ID == "" {
		probs = append(probs, FieldError{"id", "is required: the customer's id (a DNS-1123 label; the stack is ka-<id>)"})
	}
	raw, err := c.RawConfig()
	if err != nil {
		return err
	}
	if _, err := config.Load(raw); err != nil {
		var cerr *config.Error
		if !errors.As(err, &cerr) {
			return err
		}
		for _, p := range cerr.Problems {
			field := specField(p.Key)
			if field == "id" && c.ID == "" {
				continue // already reported above, with the spec's wording
			}
			probs = append(probs, FieldError{field, p.Message})
		}
	}
	if len(probs) > 0 {
		return &InvalidCustomerError{Fields: probs}
	}
	return nil
}

// specField turns a config key path into the spec's field path: "workfx:postgres.existing.port"
// → "postgres.existing.port"; workfx:customer is the spec's id.
func specField(key string) string {
	f := strings.TrimPrefix(key, config.Namespace+":")
	if f == "customer" {
		return "id"
	}
	return f
}

// values returns the spec as "workfx:<key>" → plain value, defaults applied, empty sections
// left out (the program's defaults apply to them as they do to an absent stack key).
func (c *Customer) values() map[string]any {
	env := c.Environment
	if env == "" {
		env = "prod"
	}
	cloud := c.Cloud
	if cloud == "" {
		cloud = "none"
	}
	out := map[string]any{
		key("environment"): env,
		key("cloud"):       cloud,
		key("customer"):    c.ID,
	}
	v := reflect.ValueOf(*c)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if s, ok := v.Field(i).Interface().(Section); ok && len(s) > 0 {
			out[key(jsonName(t.Field(i)))] = map[string]any(s)
		}
	}
	return out
}

func key(k string) string { return config.Namespace + ":" + k }

// RawConfig is the config the program receives for this customer: "workfx:<key>" → value,
// structured values as JSON, exactly as the engine hands a stack's config to stacks.Run.
func (c *Customer) RawConfig() (map[string]string, error) {
	raw := map[string]string{}
	for k, v := range c.values() {
		if s, ok := v.(string); ok {
			raw[k] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", specField(k), err)
		}
		raw[k] = string(b)
	}
	return raw, nil
}

// SecretKeys are the top-level config keys holding at least one credential value; the engine
// marks these secret when it hands config to the program.
func (c *Customer) SecretKeys() []string {
	set := map[string]bool{}
	for path, v := range c.ConfigValues() {
		if v.Secret {
			top, _, _ := strings.Cut(path, ".")
			top, _, _ = strings.Cut(top, "[")
			set[top] = true
		}
	}
	return sortedKeys(set)
}

// ConfigValues flattens the spec into `pulumi config set --path` leaves ("workfx:postgres.existing.host")
// so that a credential is one secret leaf and everything around it stays readable in the stack
// file. Whether a leaf is a credential follows from the program's config types: every
// config.Secret field is secret, wherever it sits, so a credential added to the program is
// secret here without a change to this package.
func (c *Customer) ConfigValues() auto.ConfigMap {
	out := auto.ConfigMap{}
	cfgType := reflect.TypeOf(config.Config{})
	fields := structFieldsByJSON(cfgType)
	for k, v := range c.values() {
		name := strings.TrimPrefix(k, config.Namespace+":")
		var t reflect.Type
		if f, ok := fields[name]; ok {
			t = f.Type
		}
		flatten(k, v, t, out)
	}
	return out
}

var secretType = reflect.TypeOf(config.Secret(""))

// flatten walks a value and the Go type the program decodes it into (nil when unknown: the
// program will reject the key, and validation has already said so).
func flatten(path string, v any, t reflect.Type, out auto.ConfigMap) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		var fields map[string]reflect.StructField
		if t != nil && t.Kind() == reflect.Struct {
			fields = structFieldsByJSON(t)
		}
		for _, k := range sortedKeys(x) {
			var ft reflect.Type
			switch {
			case fields != nil:
				if f, ok := fields[k]; ok {
					ft = f.Type
				}
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			}
			flatten(path+pathSegment(k), x[k], ft, out)
		}
	case []any:
		var et reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			et = t.Elem()
		}
		for i, e := range x {
			flatten(fmt.Sprintf("%s[%d]", path, i), e, et, out)
		}
	case nil:
		// null means "not set" to the program; leaving it out has the same effect.
	default:
		out[path] = auto.ConfigValue{Value: scalar(x), Secret: t == secretType}
	}
}

// plainSegment is a key that Pulumi's property paths accept after a dot; anything else
// (dots, slashes in label keys) is quoted: ["app.kubernetes.io/name"].
var plainSegment = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func pathSegment(k string) string {
	if plainSegment.MatchString(k) {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// normalize turns decoded YAML into JSON-shaped data: YAML allows non-string mapping keys,
// config does not.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	}
	return v
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

// specFields maps the spec's field names to Customer struct indexes.
func specFields() map[string]int {
	t := reflect.TypeOf(Customer{})
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		out[jsonName(t.Field(i))] = i
	}
	return out
}

func specFieldNames() []string {
	names := make([]string, 0)
	for k := range specFields() {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func structFieldsByJSON(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		if n := jsonName(t.Field(i)); n != "" && n != "-" {
			out[n] = t.Field(i)
		}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
