package billing

import (
	"testing"

	"github.com/scanium/openai-monitoring/internal/envconfig/envconfigtest"
)

// TestSettingsListEveryVariableRead: every variable Load asks for is in
// Settings, once, with a doc, and Settings lists nothing Load never reads.
func TestSettingsListEveryVariableRead(t *testing.T) {
	asked := map[string]bool{}
	if _, err := Load(func(k string) (string, bool) { asked[k] = true; return "", false }, "h"); err != nil {
		t.Fatal(err)
	}
	envconfigtest.CheckSettingsCoverReads(t, Settings(), asked)
}
