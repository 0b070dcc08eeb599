package openaisim_test

import (
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestParsePace(t *testing.T) {
	p, err := openaisim.ParsePace(" 80, gpt-4o:60 ,gpt-4o-mini:85")
	if err != nil {
		t.Fatalf("ParsePace: %v", err)
	}
	for model, want := range map[string]float64{"gpt-4o": 60, "gpt-4o-2024-08-06": 60, "gpt-4o-mini-2024-07-18": 85, "o3": 80} {
		if got := p.TokensPerSecond(model); got != want {
			t.Errorf("pace of %s = %v, want %v (longest prefix, else the default)", model, got, want)
		}
	}
	if got := p.String(); got != "80,gpt-4o:60,gpt-4o-mini:85" {
		t.Errorf("String = %q", got)
	}
	if again, err := openaisim.ParsePace(p.String()); err != nil || !again.Equal(p) {
		t.Errorf("the text form does not round-trip: %v, %v", again, err)
	}
	if empty, err := openaisim.ParsePace(""); err != nil || !empty.Equal(openaisim.Pace{}) {
		t.Errorf("the empty pace = %v, %v; want instant", empty, err)
	}
	for text, want := range map[string]string{
		"fast":              "not a number",
		"80,90":             "given twice",
		"gpt-4o:1,gpt-4o:2": "listed twice",
		":5":                "want model:tokens-per-second",
		"gpt-4o:-1":         "0 or more",
	} {
		if _, err := openaisim.ParsePace(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePace(%q) = %v, want an error saying %q", text, err, want)
		}
	}
	if err := openaisim.DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig: %v", err)
	}
}
