package artifact

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOversizedArtifactIsRefused(t *testing.T) {
	dir := copyFixtures(t)
	// A valid dashboard, padded with spaces past the limit.
	path := filepath.Join(dir, dashboardFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	padded := append(raw, []byte(strings.Repeat(" ", MaxArtifactBytes))...)
	if err := os.WriteFile(path, padded, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir)
	assertProblems(t, err, []string{
		"dashboards/scanium-openai-runtime.json: larger than 8 MiB (8388608 bytes), the limit of one artifact",
	})

	// At the limit it is read.
	if err := os.WriteFile(path, padded[:MaxArtifactBytes], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("Load at the limit: %v", err)
	}
}
