package openaisim

import "testing"

func TestIDsAreUniqueAndReproducible(t *testing.T) {
	a, b := newIDSource(5), newIDSource(5)
	seen := map[string]bool{}
	for range 10_000 {
		id := a.hex32()
		if len(id) != 32 || id[:16] == id[16:] {
			t.Fatalf("id %q: want 32 hex digits with no repeated half", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
		if other := b.hex32(); other != id {
			t.Fatalf("the same seed gave %q and %q", id, other)
		}
	}
	if newIDSource(6).hex32() == newIDSource(5).hex32() {
		t.Error("seeds 5 and 6 gave the same first id")
	}
}
