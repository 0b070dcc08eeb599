package main

import (
	"reflect"
	"testing"
)

func TestMixIsReproducibleAndValid(t *testing.T) {
	a, b := newMix(7), newMix(7)
	seenMessages := map[string]bool{}
	ids := map[string]bool{}
	for range 500 {
		req := a.draw()
		if other := b.draw(); !reflect.DeepEqual(req, other) {
			t.Fatalf("the same seed drew %+v and %+v", req, other)
		}
		seenMessages[req.Message] = true
		if req.Message == "" || len(req.Message) > 4000 {
			t.Fatalf("message %q: want 1 to 4000 characters", req.Message)
		}
		if len(req.Items) == 0 || len(req.Items) > maxItemsPerRequest {
			t.Fatalf("%d items: want 1 to %d", len(req.Items), maxItemsPerRequest)
		}
		for _, item := range req.Items {
			if item.ItemID == "" || item.CurrentTitle == "" || len(item.CurrentTitle) > 200 {
				t.Fatalf("item %+v: want an id and a title of at most 200 characters", item)
			}
			if ids[item.ItemID] {
				t.Fatalf("item id %s drawn twice", item.ItemID)
			}
			ids[item.ItemID] = true
		}
	}
	if len(seenMessages) != len(scenarios) {
		t.Errorf("500 draws used %d of the %d scenarios", len(seenMessages), len(scenarios))
	}
	if reflect.DeepEqual(newMix(1).draw(), newMix(2).draw()) && reflect.DeepEqual(newMix(1).draw(), newMix(3).draw()) {
		t.Error("different seeds draw the same first request")
	}
}
