package main

import (
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// TestHelpListsEverySimulatorVariable: every SIM_* variable the built-in
// simulator reads (openaisim.FromEnv) is in the help, with the demo's
// default, and none is offered as a flag, which the backend does not take.
func TestHelpListsEverySimulatorVariable(t *testing.T) {
	_, stdout, _ := runWith("-h")
	_, sims, found := strings.Cut(stdout, "Built-in simulator")
	if !found {
		t.Fatalf("the help has no simulator section:\n%s", stdout)
	}
	asked := map[string]bool{}
	if _, err := openaisim.FromEnv(func(k string) (string, bool) { asked[k] = true; return "", false }, openaisim.DemoConfig()); err != nil {
		t.Fatal(err)
	}
	if len(asked) == 0 {
		t.Fatal("FromEnv read no variable")
	}
	for env := range asked {
		if !strings.Contains(sims, "\n  "+env+" (default ") {
			t.Errorf("the help lacks %s with its default", env)
		}
	}
	if want := "  SIM_FAULTS (default " + openaisim.DemoFaultRates().String() + ")\n"; !strings.Contains(sims, want) {
		t.Errorf("the help lacks %q, the demo's faults", want)
	}
	if strings.Contains(sims, "  -") {
		t.Errorf("the simulator section offers flags:\n%s", sims)
	}
}
