package config_test

import (
	"path/filepath"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
)

// TestPriceTableIsTheSimulatorsBill: the committed price table and the
// simulator's list prices, with which it bills as OpenAI does, are the same
// prices for the same models, so that the demo's estimate and bill agree and
// a gap there means a defect. A user who edits config.yaml for new prices
// edits openaisim's list too, or the reconciliation test and the demo show
// the difference.
func TestPriceTableIsTheSimulatorsBill(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sim := openaisim.ListPrices()
	for _, line := range cfg.Pricing.Models {
		p, ok := sim[line.Model]
		if !ok {
			t.Errorf("config.yaml prices %s, which the simulator does not bill", line.Model)
			continue
		}
		if p.Input != line.InputUSDPerMillion || p.CachedInput != line.CachedInputUSDPerMillion || p.Output != line.OutputUSDPerMillion {
			t.Errorf("%s: config.yaml %v/%v/%v, the simulator %v/%v/%v (input/cached_input/output USD per 1M)",
				line.Model, line.InputUSDPerMillion, line.CachedInputUSDPerMillion, line.OutputUSDPerMillion, p.Input, p.CachedInput, p.Output)
		}
		delete(sim, line.Model)
	}
	for model := range sim {
		t.Errorf("the simulator bills %s, which config.yaml does not price", model)
	}
}
