package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the stack config, named by its key path
// (e.g. "workfx:postgres.existing.port").
type Problem struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

// Error carries every problem found, so a user fixes them all in one go.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid stack config (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  - %s: %s", p.Key, p.Message)
	}
	return b.String()
}

// problems collects Problems while decoding and validating.
type problems struct{ list []Problem }

func (p *problems) add(key, format string, args ...any) {
	p.list = append(p.list, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Key < p.list[j].Key })
	return &Error{Problems: p.list}
}

// parseJSON decodes a structured config value, keeping numbers exact.
func parseJSON(raw string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// decodeValue copies a parsed JSON value into dst (a settable reflect.Value) following the
// struct's `json` tags. Unknown keys and wrong types are reported with their full path; decoding
// goes on after a problem so that every problem is reported.
func decodeValue(path string, v any, dst reflect.Value, probs *problems) {
	if v == nil {
		return // null means "not set": keep the zero value / default
	}
	switch dst.Kind() {
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		decodeValue(path, v, dst.Elem(), probs)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			probs.add(path, "must be an object with keys %s, got %s", strings.Join(structKeys(dst.Type()), ", "), describe(v))
			return
		}
		fields := structFields(dst.Type())
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			idx, ok := fields[k]
			if !ok {
				probs.add(path+"."+k, "unknown key; allowed keys: %s", strings.Join(structKeys(dst.Type()), ", "))
				continue
			}
			decodeValue(path+"."+k, obj[k], dst.Field(idx), probs)
		}
	case reflect.String:
		switch x := v.(type) {
		case string:
			dst.SetString(x)
		case json.Number:
			// `pulumi config set --path` (and set-all, which the onboarding package uses)
			// stores "3" as the number 3: an image tag "3" must still read as "3".
			dst.SetString(x.String())
		case bool:
			dst.SetString(strconv.FormatBool(x))
		default:
			probs.add(path, "must be a string, got %s", describe(v))
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, ok := asInt(v)
		if !ok {
			probs.add(path, "must be a whole number, got %s", describe(v))
			return
		}
		dst.SetInt(n)
	case reflect.Bool:
		switch b := v.(type) {
		case bool:
			dst.SetBool(b)
		case string:
			if b != "true" && b != "false" {
				probs.add(path, "must be true or false, got %q", b)
				return
			}
			dst.SetBool(b == "true")
		default:
			probs.add(path, "must be true or false, got %s", describe(v))
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			probs.add(path, "must be an object (a map of names to values), got %s", describe(v))
			return
		}
		m := reflect.MakeMapWithSize(dst.Type(), len(obj))
		for k, item := range obj {
			elem := reflect.New(dst.Type().Elem()).Elem()
			decodeValue(path+"."+k, item, elem, probs)
			m.SetMapIndex(reflect.ValueOf(k), elem)
		}
		dst.Set(m)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			probs.add(path, "must be a list, got %s", describe(v))
			return
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, item := range list {
			decodeValue(fmt.Sprintf("%s[%d]", path, i), item, s.Index(i), probs)
		}
		dst.Set(s)
	default:
		panic(fmt.Sprintf("config decoder: unsupported field kind %s at %s", dst.Kind(), path))
	}
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string: // `pulumi config set --path` may store numbers as strings
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return fmt.Sprintf("%t", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func structFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" {
			out[name] = i
		}
	}
	return out
}

func structKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	sort.Strings(keys)
	return keys
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return ""
	}
	return name
}
