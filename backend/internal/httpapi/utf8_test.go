package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestChatRefusesTextThatIsNotUTF8 sends bodies whose strings would reach the
// model altered, each read by encoding/json as U+FFFD: raw bytes that are not
// UTF-8, and escapes of half a surrogate pair. Each is refused, and the model
// is never called.
func TestChatRefusesTextThatIsNotUTF8(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		hint string
	}{
		{"byte 0xff in the message", "{\"message\": \"lamp \xff\"}", "at byte 18"},
		{"overlong encoding of /", "{\"message\": \"a\xc0\xafb\"}", "at byte 14"},
		{"encoded surrogate", "{\"message\": \"\xed\xa0\x80\"}", "not valid UTF-8"},
		{"truncated sequence", "{\"message\": \"\xe2\x82\"}", "at byte 13"},
		{"invalid byte in an item title", "{\"message\": \"hi\", \"items\": [{\"itemId\": \"a\", \"currentTitle\": \"\xfe\"}]}", "not valid UTF-8"},
		{"invalid byte outside the strings", "{\"message\": \"hi\"}\xff", "at byte 17"},
		{"lone high surrogate escape", `{"message": "lamp \ud800"}`, `\ud800 (at byte 18)`},
		{"lone low surrogate escape", `{"message": "\udc00 lamp"}`, `\udc00 (at byte 13)`},
		{"high surrogate before a letter", `{"message": "\ud83dA"}`, `\ud83d`},
		{"high surrogate before another high", `{"message": "\ud83d\ud83d"}`, `\ud83d (at byte 13)`},
		{"pair reversed", `{"message": "\ude00\ud83d"}`, `\ude00 (at byte 13)`},
		{"lone surrogate in an item id", `{"message": "hi", "items": [{"itemId": "\uDBFF"}]}`, `\uDBFF`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestAPI(t, &fakeModel{})
			w, e := api.do(t, chatCall(tc.body))
			if w.Code != http.StatusBadRequest || e.Error.Code != CodeInvalidUTF8 {
				t.Fatalf("got %d %s (%q), want 400 %s", w.Code, e.Error.Code, e.Error.Message, CodeInvalidUTF8)
			}
			if !strings.Contains(e.Error.Message, tc.hint) {
				t.Errorf("message %q does not say %q", e.Error.Message, tc.hint)
			}
			if n := api.model.calls.Load(); n != 0 {
				t.Errorf("text that is not UTF-8 reached the model %d times", n)
			}
		})
	}
}

// TestChatTakesWholeUTF16Pairs checks that what is refused above is only
// the broken text: escaped pairs, escaped backslashes before a "u", and
// U+FFFD itself, sent or escaped, reach the model as sent.
func TestChatTakesWholeUTF16Pairs(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"escaped pair", `{"message": "lamp \ud83d\ude00"}`, "lamp 😀"},
		{"escaped pair, upper case", `{"message": "\uD83D\uDE00!"}`, "😀!"},
		{"UTF-8 beyond U+FFFF", `{"message": "lamp 😀"}`, "lamp 😀"},
		{"escaped backslash before u", `{"message": "C:\\ud800"}`, `C:\ud800`},
		{"U+FFFD sent", `{"message": "� lamp"}`, "� lamp"},
		{"U+FFFD escaped", `{"message": "\ufffd lamp"}`, "� lamp"},
		{"escape of a character below the surrogates", `{"message": "caf\u00e9"}`, "café"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestAPI(t, &fakeModel{})
			w, _ := api.do(t, chatCall(tc.body))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			req := api.model.last.Load()
			if req == nil {
				t.Fatal("the model was not called")
			}
			var found bool
			for _, msg := range req.Messages {
				found = found || strings.Contains(msg.Content, tc.want)
			}
			if !found {
				t.Errorf("no message to the model holds %q: %+v", tc.want, req.Messages)
			}
		})
	}
}

func TestLoneSurrogateAt(t *testing.T) {
	for _, tc := range []struct {
		json string
		want int
	}{
		{`{}`, -1},
		{`{"a": "\u0041\n\"\\"}`, -1},
		{`{"\ud800": 1}`, 2},
		{`["x", "\\\ud800"]`, 9},
		{`["\ud83d\ude00", "\ud83d"]`, 18},
		{`["\ud83d\u0041"]`, 2},
		{`["\ud83d"]`, 2},
	} {
		if got := loneSurrogateAt([]byte(tc.json)); got != tc.want {
			t.Errorf("loneSurrogateAt(%s) = %d, want %d", tc.json, got, tc.want)
		}
	}
}
