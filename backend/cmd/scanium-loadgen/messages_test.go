package main

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/scanium/openai-monitoring/backend/config"
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
		if n := utf8.RuneCountInString(req.Message); n == 0 || n > config.DefaultMaxMessageChars {
			t.Fatalf("message %q: the backend takes 1 to %d characters", req.Message, config.DefaultMaxMessageChars)
		}
		if len(req.Items) == 0 || len(req.Items) > min(maxItemsPerRequest, config.DefaultMaxItems) {
			t.Fatalf("%d items: want 1 to %d, and the backend takes %d", len(req.Items), maxItemsPerRequest, config.DefaultMaxItems)
		}
		for _, item := range req.Items {
			if item.ItemID == "" || item.CurrentTitle == "" || len(item.CurrentTitle) > config.DefaultMaxItemFieldLen {
				t.Fatalf("item %+v: want an id and a title the backend takes (%d bytes at most)", item, config.DefaultMaxItemFieldLen)
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
