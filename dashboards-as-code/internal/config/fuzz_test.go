package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/validate"
)

// FuzzParse feeds config.yaml variants to Parse. Whatever the bytes, Parse
// returns; an error names the file on every line; and a configuration that
// Parse accepts renders artifacts that pass the same validation as the
// committed ones, PromQL included: no accepted value (an infinite price, a
// huge duration) may turn into an artifact Grafana or Prometheus rejects.
func FuzzParse(f *testing.F) {
	committed, err := os.ReadFile("../../config.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(committed)
	f.Add([]byte(valid))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		cfg, err := config.Parse(name, data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, name+": ") {
					t.Fatalf("error line does not name the file: %q", line)
				}
			}
			return
		}
		set, err := artifacts.Render(cfg)
		if err != nil {
			t.Fatalf("accepted configuration does not render: %v", err)
		}
		if err := validate.Artifacts(set); err != nil {
			t.Fatalf("accepted configuration renders invalid artifacts:\n%v", err)
		}
	})
}
