package config

import (
	"testing"

	"github.com/scanium/openai-monitoring/internal/envconfig/envconfigtest"
)

// TestSettingsListEveryVariableRead: every variable Load asks for is in
// Settings, once, with a doc, and Settings lists nothing Load never reads.
func TestSettingsListEveryVariableRead(t *testing.T) {
	asked := map[string]bool{}
	_, _ = Load(func(k string) string { asked[k] = true; return "" })
	envconfigtest.CheckSettingsCoverReads(t, Settings(), asked)
}
