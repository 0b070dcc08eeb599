package openaisim

import (
	"strings"
	"testing"
)

func TestSuggestTitle(t *testing.T) {
	for prompt, want := range map[string]string{
		"Suggest a title for my vintage leather jacket, brown, size M": "Vintage Leather Jacket Brown Size M",
		"Write a listing for an iPhone 12 with a USB-C cable":          "iPhone 12 USB-C Cable",
		"":                              fallbackTitle,
		"please write a title for this": fallbackTitle,
		"lamp lamp LAMP":                "Lamp",
		"one two three four five six seven eight nine":                    "One Two Three Four Five Six Seven",
		"Kinderwagen für Zwillinge, grün":                                 "Kinderwagen Für Zwillinge Grün",
		strings.Repeat("supercalifragilisticexpialidocious-extended ", 3): "Supercalifragilisticexpialidocious-extended",
	} {
		if got := suggestTitle(prompt); got != want {
			t.Errorf("suggestTitle(%q) = %q, want %q", prompt, got, want)
		}
	}
}

func TestComposeReplyVariants(t *testing.T) {
	a, b := composeReply("walnut coffee table", 0), composeReply("walnut coffee table", 0)
	if a != b {
		t.Errorf("the same prompt gave two replies:\n%s\n%s", a, b)
	}
	distinct := map[string]bool{}
	for v := range 8 {
		distinct[composeReply("walnut coffee table", v)] = true
	}
	if len(distinct) < 2 {
		t.Errorf("8 variants gave %d distinct replies, want several", len(distinct))
	}
	if !strings.HasPrefix(a, "Suggested title: Walnut Coffee Table\n") {
		t.Errorf("reply does not open with the title:\n%s", a)
	}
}

func TestTruncateTokens(t *testing.T) {
	text := strings.Repeat("é", 10)
	if got, cut := truncateTokens(text, 2); got != strings.Repeat("é", 8) || !cut {
		t.Errorf("truncateTokens to 2 tokens = %q, %v; want 8 characters, cut", got, cut)
	}
	if got, cut := truncateTokens(text, 3); got != text || cut {
		t.Errorf("truncateTokens to 3 tokens = %q, %v; want the text whole", got, cut)
	}
	if n := textTokens(text); n != 3 {
		t.Errorf("textTokens of 10 characters = %d, want 3", n)
	}
}
