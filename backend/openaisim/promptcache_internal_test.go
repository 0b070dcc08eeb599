package openaisim

import (
	"crypto/sha256"
	"math"
	"strings"
	"testing"
	"time"
)

// walkedTokens is how many tokens prefixHasher.prompt walks through.
func walkedTokens(messages []promptMessage) int {
	p := &prefixHasher{h: sha256.New(), next: math.MaxInt32, want: -1}
	p.prompt("gpt-4o-mini", messages)
	return p.pos
}

// TestPrefixTokensAreThePromptTokens: the token sequence the cache hashes
// has exactly the tokens promptTokens counts, so a prompt has one key per
// cacheable length and none beyond its end.
func TestPrefixTokensAreThePromptTokens(t *testing.T) {
	long := strings.Repeat("Kinderwagen für Zwillinge, grün. ", 200)
	for name, messages := range map[string][]promptMessage{
		"one message":      {{role: "user", text: long}},
		"system and user":  {{role: "system", text: long}, {role: "user", text: "lamp"}},
		"odd lengths":      {{role: "developer", text: long + "ab"}, {role: "user", text: "x"}},
		"names and images": {{role: "user", name: "seller_42", text: long, images: []string{"data:image/jpeg;base64,AAAA", "https://example.com/b.png"}}},
		"no text":          {{role: "assistant"}, {role: "user", text: long[:5000], images: make([]string, 12)}},
		"short":            {{role: "user", text: "lamp"}},
	} {
		want := promptTokens(messages)
		if got := walkedTokens(messages); got != want {
			t.Errorf("%s: the prefixes walk %d tokens, promptTokens counts %d", name, got, want)
		}
		keys := cacheablePrefixes("gpt-4o-mini", messages, want)
		wantKeys := 0
		if want >= cacheMinTokens {
			wantKeys = (want-cacheMinTokens)/cacheStepTokens + 1
		}
		if len(keys) != wantKeys {
			t.Errorf("%s: %d keys for %d tokens, want %d", name, len(keys), want, wantKeys)
		}
		seen := map[prefixKey]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("%s: two prefixes share a key", name)
			}
			seen[k] = true
		}
	}
}

// TestPrefixKeysFollowTheTokens: prompts share the keys of the prefixes
// whose tokens they share, and no others; the model, a name and an image's
// URL are part of what is shared.
func TestPrefixKeysFollowTheTokens(t *testing.T) {
	base := strings.Repeat("abcd", 2000) // 2000 tokens of text
	keysOf := func(model string, messages ...promptMessage) []prefixKey {
		return cacheablePrefixes(model, messages, promptTokens(messages))
	}
	shared := func(a, b []prefixKey) int {
		n := 0
		for n < len(a) && n < len(b) && a[n] == b[n] {
			n++
		}
		return n
	}
	user := func(text string) promptMessage { return promptMessage{role: "user", text: text} }
	a := keysOf("gpt-4o-mini", user(base))
	// The text starts after 3 framing tokens and 1 of the role: a change at
	// character 4·(1100-4) leaves the first 1100 tokens alike.
	changed := []byte(base)
	changed[4*(1100-4)] = 'X'
	for _, tc := range []struct {
		name string
		keys []prefixKey
		want int
	}{
		{"the same prompt", keysOf("gpt-4o-mini", user(base)), len(a)},
		{"the first 1100 tokens alike", keysOf("gpt-4o-mini", user(string(changed))), 1},
		{"another model", keysOf("gpt-4o", user(base)), 0},
		{"another role", keysOf("gpt-4o-mini", promptMessage{role: "system", text: base}), 0},
		{"a name", keysOf("gpt-4o-mini", promptMessage{role: "user", name: "n", text: base}), 0},
		{"a longer text", keysOf("gpt-4o-mini", user(base+"more")), len(a)},
		{"a message after", keysOf("gpt-4o-mini", user(base), user("next")), len(a)},
	} {
		if got := shared(a, tc.keys); got != tc.want {
			t.Errorf("%s: %d keys shared, want %d", tc.name, got, tc.want)
		}
	}
	img := func(url string) promptMessage {
		return promptMessage{role: "user", text: "photo", images: []string{url, "https://example.com/2.png"}}
	}
	// 13 images of 85 tokens reach the first cacheable length.
	pics := func(first string) []prefixKey {
		msgs := []promptMessage{img(first)}
		for range 6 {
			msgs = append(msgs, img("https://example.com/1.png"))
		}
		return keysOf("gpt-4o-mini", msgs...)
	}
	if x, y := pics("https://example.com/1.png"), pics("https://example.com/other.png"); len(x) == 0 || shared(x, y) != 0 {
		t.Errorf("prompts with different first images share %d of %d keys, want none", shared(x, y), len(x))
	}
}

func TestPromptCacheBoundsAndExpiry(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	key := func(b byte) prefixKey { return prefixKey{b} }
	c := newPromptCache(3)
	c.remember(now, []prefixKey{key(1), key(2)})
	c.remember(now.Add(time.Minute), []prefixKey{key(3), key(4)})
	if c.held() != 3 {
		t.Fatalf("%d prefixes held, want the size 3", c.held())
	}
	if got := c.cachedTokens(now.Add(time.Minute), []prefixKey{key(1)}); got != 0 {
		t.Errorf("the least recently used prefix is still held: %d tokens", got)
	}
	if got := c.cachedTokens(now.Add(time.Minute), []prefixKey{key(2), key(9), key(4)}); got != cacheMinTokens+2*cacheStepTokens {
		t.Errorf("cached %d tokens, want the longest held, %d", got, cacheMinTokens+2*cacheStepTokens)
	}
	// key 2 was last used at now: gone 10 minutes later, keys 3 and 4 not.
	if got := c.cachedTokens(now.Add(cacheTTL), []prefixKey{key(2)}); got != 0 || c.held() != 2 {
		t.Errorf("after %s: cached %d, %d held; want 0 and 2", cacheTTL, got, c.held())
	}
	if got := c.cachedTokens(now.Add(cacheTTL+time.Minute-time.Nanosecond), []prefixKey{key(3)}); got != cacheMinTokens {
		t.Errorf("a prefix used %s ago is gone", cacheTTL-time.Nanosecond)
	}
	// A prompt with more prefixes than the cache holds leaves its longest.
	c.remember(now.Add(time.Hour), []prefixKey{key(5), key(6), key(7), key(8)})
	if got := c.cachedTokens(now.Add(time.Hour), []prefixKey{key(5), key(6), key(7), key(8)}); got != cacheMinTokens+3*cacheStepTokens || c.held() != 3 {
		t.Errorf("cached %d, %d held; want %d and 3", got, c.held(), cacheMinTokens+3*cacheStepTokens)
	}
	if got := c.cachedTokens(now.Add(time.Hour), []prefixKey{key(5)}); got != 0 {
		t.Errorf("the shortest prefix of a prompt too long for the cache is held")
	}
}

func TestIsReasoningModel(t *testing.T) {
	for model, want := range map[string]bool{
		"o1": true, "o1-mini": true, "o1-pro": true, "o3": true, "o3-mini": true, "o3-mini-2025-01-31": true,
		"o4-mini": true, "gpt-5": true, "gpt-5-mini": true, "gpt-5-nano": true, "gpt-5-2025-08-07": true,
		"gpt-5.1":           true,
		"gpt-5-chat-latest": false, "gpt-5.1-chat-latest": false, "gpt-50": false, "gpt-4o-mini": false,
		"gpt-4o": false, "gpt-4.1-nano": false, "omni-moderation-latest": false, "o": false, "": false,
	} {
		if got := isReasoningModel(model); got != want {
			t.Errorf("isReasoningModel(%q) = %v, want %v", model, got, want)
		}
	}
}
