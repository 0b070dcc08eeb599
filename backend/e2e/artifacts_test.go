package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/livetest"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
)

// checkArtifactQueries runs every dashboard panel, dashboard variable and
// alert rule query of the committed artifacts against Prometheus once the
// backend's traffic is there: each must be accepted, and each that should
// return data does.
func checkArtifactQueries(t *testing.T, prom *livetest.Prometheus) {
	t.Helper()
	qs, err := queries.Load(filepath.Join(livetest.RepoRoot(t), "dashboards-as-code", "generated"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[queries.Kind]int{}
	for _, q := range qs {
		kinds[q.Source.Kind]++
		samples, err := prom.Query(context.Background(), q.Expr)
		switch {
		case err != nil:
			t.Errorf("%s: Prometheus rejects %s: %v", q.Source, q.Expr, err)
		case q.ExpectData && !q.StreamsOnly && len(samples) == 0:
			// The traffic of these tests has no streamed call, so the
			// time-to-first-token queries have nothing to read.
			t.Errorf("%s: no data for %s", q.Source, q.Expr)
		}
	}
	for _, k := range []queries.Kind{queries.Panel, queries.Variable, queries.Rule} {
		if kinds[k] == 0 {
			t.Errorf("no %s queries in the artifacts", k)
		}
	}
	t.Logf("%d artifact queries ran against Prometheus (%d panel, %d variable, %d rule)",
		len(qs), kinds[queries.Panel], kinds[queries.Variable], kinds[queries.Rule])
}
