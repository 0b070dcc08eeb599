package artifact

import (
	"github.com/scanium/openai-monitoring/internal/bundle"

	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad writes the fuzzed bytes as a dashboard, a rule group or both
// (target % 3: 0, 1, 2), next to a fixture of the other kind, and runs Load
// and Validate. They must not panic; an error must be a list of problems,
// each naming one of the files written.
func FuzzLoad(f *testing.F) {
	dashboard, err := os.ReadFile(filepath.Join(fixtures, dashboardFile))
	if err != nil {
		f.Fatal(err)
	}
	group, err := os.ReadFile(filepath.Join(fixtures, groupFile))
	if err != nil {
		f.Fatal(err)
	}
	// One directory for every input: the fuzz function runs one input at a
	// time in each process, and a fresh directory per input would cost
	// more than Load itself.
	dir := f.TempDir()
	for _, sub := range []string{bundle.DashboardsDir, bundle.AlertingDir} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, target uint8) {
		files := map[string][]byte{dashboardFile: dashboard, groupFile: group}
		switch target % 3 {
		case 0:
			files[dashboardFile] = raw
		case 1:
			files[groupFile] = raw
		default:
			files[dashboardFile], files[groupFile] = raw, raw
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), content, 0o644); err != nil {
				t.Fatal(err)
			}
		}

		b, err := Load(dir)
		if err == nil {
			if b == nil {
				t.Fatal("Load returned neither a bundle nor an error")
			}
			err = Validate(b)
		}
		if err == nil {
			return
		}
		var perr *Error
		if !errors.As(err, &perr) || len(perr.Problems) == 0 {
			t.Fatalf("error is not a list of problems: %v", err)
		}
		for _, p := range perr.Problems {
			if _, ok := files[p.File]; !ok || strings.TrimSpace(p.Msg) == "" {
				t.Fatalf("a problem that names no file written, or says nothing: %+v", p)
			}
		}
	})
}
