package httporigin_test

import (
	"net/url"
	"testing"

	"github.com/scanium/openai-monitoring/internal/httporigin"
)

func TestOf(t *testing.T) {
	for raw, want := range map[string]string{
		"http://Grafana.local:3000/api?x=1":     "http://grafana.local:3000",
		"HTTPS://api.openai.com/v1":             "https://api.openai.com:443",
		"http://h":                              "http://h:80",
		"http://h:80/x":                         "http://h:80",
		"https://user:secret@h:8443/":           "https://h:8443",
		"http://[2001:db8::1]/v1":               "http://[2001:db8::1]:80",
		"http://[2001:DB8::1]:8090/v1#fragment": "http://[2001:db8::1]:8090",
		"https://API.OpenAI.com/v1?x=1":         "https://api.openai.com:443",
		"https://api.openai.com:443/v1":         "https://api.openai.com:443",
		"http://127.0.0.1:8090/v1":              "http://127.0.0.1:8090",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := httporigin.Of(u); got != want {
			t.Errorf("Of(%s) = %s, want %s", raw, got, want)
		}
	}
}
