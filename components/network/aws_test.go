package network

import "testing"

func TestSnapshotSafeNames(t *testing.T) {
	for in, want := range map[string]string{
		"workfx-prod-postgres-final":     "workfx-prod-postgres-final",
		"workfx-Team_A.prod-redis-final": "workfx-team-a-prod-redis-final",
		"workfx--x-":                     "workfx-x",
	} {
		if got := SnapshotSafe(in); got != want {
			t.Errorf("SnapshotSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
