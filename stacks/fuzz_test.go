package stacks_test

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/workfx/workfx-platform/internal/plan"
	"github.com/workfx/workfx-platform/stacks"
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
		sc, err := plan.LoadStackFile(root, strings.TrimSuffix(filepath.Base(file), ".yaml"), file)
		if err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		bases = append(bases, sc.Raw)
	}
	if len(bases) == 0 {
		f.Fatal("no stack files found")
	}
	return bases
}

// FuzzLoadConfig: the config loader/validator never panics, accepts or rejects
// deterministically, and every rejection is a *stacks.ConfigError whose every problem names a
// workfx: key. Seed corpus: testdata/fuzz/FuzzLoadConfig plus one seed per key of each stack.
//
// Longer runs: go test ./stacks -run '^$' -fuzz FuzzLoadConfig -fuzztime 10m
func FuzzLoadConfig(f *testing.F) {
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
		cfg, err := stacks.LoadConfig(raw)
		_, err2 := stacks.LoadConfig(raw)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("LoadConfig is not deterministic: %v vs %v", err, err2)
		}
		if err == nil {
			if cfg == nil {
				t.Fatal("LoadConfig returned neither a config nor an error")
			}
			if len(cfg.Modes()) == 0 {
				t.Fatal("accepted config has no modes")
			}
			return
		}
		var cerr *stacks.ConfigError
		if !errors.As(err, &cerr) {
			t.Fatalf("rejection is not a *stacks.ConfigError: %T %v", err, err)
		}
		if len(cerr.Problems) == 0 {
			t.Fatalf("rejection without problems: %v", err)
		}
		for _, p := range cerr.Problems {
			if !strings.HasPrefix(p.Key, stacks.Namespace+":") || len(p.Key) <= len(stacks.Namespace)+1 {
				t.Fatalf("problem does not name a workfx: key: %+v (input %q=%q)", p, key, value)
			}
			if strings.TrimSpace(p.Message) == "" {
				t.Fatalf("problem without message: %+v", p)
			}
		}
	})
}
