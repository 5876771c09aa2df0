package config_test

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/workfx/workfx-platform/config"
)

// fuzzBases are the raw configs of every stack file and synthetic config, as the engine hands
// them to the program. Each fuzz input rewrites or drops one key of one base, so the fuzzer
// explores each key's value space around configs that are otherwise valid.
func fuzzBases(f *testing.F) []map[string]string {
	f.Helper()
	root := filepath.Join("..")
	files, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	synth, _ := filepath.Glob(filepath.Join(root, "tests", "testdata", "stacks", "*.yaml"))
	files = append(files, synth...)
	sort.Strings(files)
	var bases []map[string]string
	for _, file := range files {
		sf, err := config.ReadStackFile(root, file)
		if err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		bases = append(bases, sf.Raw)
	}
	if len(bases) == 0 {
		f.Fatal("no stack files found")
	}
	return bases
}

// FuzzLoad: the config loader/validator never panics, accepts or rejects deterministically, and
// every rejection is a *config.Error whose every problem names a workfx: key. Seed corpus:
// testdata/fuzz/FuzzLoad plus one seed per key of each stack. The package imports no Pulumi SDK,
// so the instrumented fuzz build compiles in seconds.
//
// Longer runs: go test ./config -run '^$' -fuzz '^FuzzLoad$' -fuzztime 10m
func FuzzLoad(f *testing.F) {
	bases := fuzzBases(f)
	for i, b := range bases {
		for k, v := range b {
			f.Add(uint8(i), k, v, false)
			f.Add(uint8(i), k, "", true)
		}
	}
	f.Fuzz(func(t *testing.T, base uint8, key, value string, drop bool) {
		raw := map[string]string{}
		for k, v := range bases[int(base)%len(bases)] {
			raw[k] = v
		}
		if drop {
			delete(raw, key)
		} else {
			raw[key] = value
		}
		cfg, err := config.Load(raw)
		_, err2 := config.Load(raw)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("Load is not deterministic: %v vs %v", err, err2)
		}
		if err == nil {
			if cfg == nil {
				t.Fatal("Load returned neither a config nor an error")
			}
			if len(cfg.Modes()) == 0 {
				t.Fatal("accepted config has no modes")
			}
			return
		}
		var cerr *config.Error
		if !errors.As(err, &cerr) {
			t.Fatalf("rejection is not a *config.Error: %T %v", err, err)
		}
		if len(cerr.Problems) == 0 {
			t.Fatalf("rejection without problems: %v", err)
		}
		for _, p := range cerr.Problems {
			if !strings.HasPrefix(p.Key, config.Namespace+":") || len(p.Key) <= len(config.Namespace)+1 {
				t.Fatalf("problem does not name a workfx: key: %+v (input %q=%q)", p, key, value)
			}
			if strings.TrimSpace(p.Message) == "" {
				t.Fatalf("problem without message: %+v", p)
			}
		}
	})
}
