package main

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

func TestMixIsReproducibleAndValid(t *testing.T) {
	a, b := newMix(7), newMix(7)
	seenMessages := map[string]bool{}
	ids := map[string]bool{}
	shelves := 0
	for range 500 {
		req := a.draw()
		if other := b.draw(); !reflect.DeepEqual(req, other) {
			t.Fatalf("the same seed drew %+v and %+v", req, other)
		}
		seenMessages[req.Message] = true
		if n := utf8.RuneCountInString(req.Message); n == 0 || n > config.DefaultMaxMessageChars {
			t.Fatalf("message %q: the backend takes 1 to %d characters", req.Message, config.DefaultMaxMessageChars)
		}
		for _, item := range req.Items {
			if n := utf8.RuneCountInString(item.ItemID + item.CurrentTitle); item.ItemID == "" || item.CurrentTitle == "" ||
				utf8.RuneCountInString(item.CurrentTitle) > config.DefaultMaxItemFieldLen || n > 2*config.DefaultMaxItemFieldLen {
				t.Fatalf("item %+v: want an id and a title the backend takes (%d characters at most)", item, config.DefaultMaxItemFieldLen)
			}
		}
		if slices.Contains(shelfMessages, req.Message) {
			shelves++
			if !reflect.DeepEqual(req.Items, shelfItems) || len(req.Items) > config.DefaultMaxItems {
				t.Fatalf("a shelf request with items %+v, want the %d of the shelf, which the backend takes", req.Items, len(shelfItems))
			}
			continue
		}
		if len(req.Items) == 0 || len(req.Items) > min(maxItemsPerRequest, config.DefaultMaxItems) {
			t.Fatalf("%d items: want 1 to %d, and the backend takes %d", len(req.Items), maxItemsPerRequest, config.DefaultMaxItems)
		}
		for _, item := range req.Items {
			if ids[item.ItemID] {
				t.Fatalf("item id %s drawn twice", item.ItemID)
			}
			ids[item.ItemID] = true
		}
	}
	if len(seenMessages) != len(scenarios)+len(shelfMessages) {
		t.Errorf("500 draws used %d of the %d scenarios and shelf messages", len(seenMessages), len(scenarios)+len(shelfMessages))
	}
	if shelves < 25 || shelves > 75 {
		t.Errorf("%d of 500 draws are about the shelf, want about a tenth", shelves)
	}
	if reflect.DeepEqual(newMix(1).draw(), newMix(2).draw()) && reflect.DeepEqual(newMix(1).draw(), newMix(3).draw()) {
		t.Error("different seeds draw the same first request")
	}
}

// TestShelfRequestsReadTheProductPromptFromTheCache: the shelf requests, as
// the backend's assistant turns them into a prompt, share a beginning long
// enough for OpenAI's prompt cache, so every one after the first reads it
// from the simulator's cache; the other scenarios' prompts are too short.
func TestShelfRequestsReadTheProductPromptFromTheCache(t *testing.T) {
	_, url := simtest.Start(t, openaisim.Config{})
	provider := openaiprovider.New(openaiprovider.Config{
		APIKey: config.Secret("sk-loadgen-test"), BaseURL: url, Model: "gpt-4o-mini", Timeout: 5 * time.Second,
	}, nil)
	svc := assistant.New(provider)
	ask := func(req chatRequest) openaiprovider.Usage {
		t.Helper()
		q := assistant.Question{Message: req.Message}
		for _, it := range req.Items {
			q.Items = append(q.Items, assistant.Item{ItemID: it.ItemID, CurrentTitle: it.CurrentTitle})
		}
		answer, err := svc.Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return answer.Usage
	}
	for i, message := range append(slices.Clone(shelfMessages), shelfMessages[0]) {
		u := ask(chatRequest{Message: message, Items: shelfItems})
		t.Logf("shelf request %d: %d input tokens, %d cached", i, u.InputTokens, u.CachedInputTokens)
		if i == 0 && u.CachedInputTokens != 0 {
			t.Errorf("the first shelf request read %d cached tokens, want 0", u.CachedInputTokens)
		}
		if i > 0 && u.CachedInputTokens < 1024 {
			t.Errorf("shelf request %d (%q): %d of %d input tokens cached, want the shared items, at least 1024",
				i, message, u.CachedInputTokens, u.InputTokens)
		}
	}
	m := newMix(1)
	for range 50 {
		if req := m.draw(); !slices.Contains(shelfMessages, req.Message) {
			if u := ask(req); u.CachedInputTokens != 0 || u.InputTokens >= 1024 {
				t.Fatalf("a %d-token prompt of scenario %q read %d cached tokens; want it under 1024, none cached",
					u.InputTokens, req.Message, u.CachedInputTokens)
			}
		}
	}
}
