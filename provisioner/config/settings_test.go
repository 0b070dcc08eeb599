package config

import "testing"

// TestSettingsListEveryVariableRead: every variable Load asks for is in
// Settings, once, with a doc, and Settings lists nothing Load never reads.
func TestSettingsListEveryVariableRead(t *testing.T) {
	listed := map[string]bool{}
	for _, s := range Settings() {
		if listed[s.Env] || s.Doc == "" {
			t.Errorf("%s listed twice or without a doc", s.Env)
		}
		listed[s.Env] = true
	}
	asked := map[string]bool{}
	_, _ = Load(func(k string) string { asked[k] = true; return "" })
	for k := range asked {
		if !listed[k] {
			t.Errorf("Load reads %s, which Settings does not list", k)
		}
	}
	for k := range listed {
		if !asked[k] {
			t.Errorf("Settings lists %s, which Load never reads", k)
		}
	}
}
