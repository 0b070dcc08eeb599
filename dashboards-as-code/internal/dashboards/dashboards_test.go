package dashboards_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/grafana"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/validate"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

const fakeUID = "fake-second-dashboard"

// Panels of the fake dashboard: one that shows traffic, one quiet.
const (
	fakeTrafficPanel = 1
	fakeQuietPanel   = 2
)

// fakeDashboard is a second dashboard, as small as the validation allows.
func fakeDashboard(uid string) func(config.Config) (dashboard.Dashboard, error) {
	panel := func(id uint32, x int, title string) *timeseries.PanelBuilder {
		return timeseries.NewPanelBuilder().
			Id(id).
			Title(title).
			Datasource(grafana.Mimir()).
			GridPos(dashboard.GridPos{X: uint32(x), Y: 0, W: 12, H: 8}).
			WithTarget(prometheus.NewDataqueryBuilder().
				RefId("A").
				Datasource(grafana.Mimir()).
				Expr("sum(rate(" + m.RequestsTotal + "[$__rate_interval]))"))
	}
	return func(config.Config) (dashboard.Dashboard, error) {
		return dashboard.NewDashboardBuilder("Fake").
			Uid(uid).
			WithPanel(panel(fakeTrafficPanel, 0, "Traffic")).
			WithPanel(panel(fakeQuietPanel, 12, "Quiet")).
			Build()
	}
}

func withFake() dashboards.Registry {
	return append(dashboards.All(), dashboards.Dashboard{
		UID: fakeUID, Build: fakeDashboard(fakeUID), QuietPanels: []uint32{fakeQuietPanel},
	})
}

func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestAllIsAValidList(t *testing.T) {
	all := dashboards.All()
	if len(all) == 0 {
		t.Fatal("no dashboard is registered")
	}
	if err := all.Check(); err != nil {
		t.Error(err)
	}
	if _, ok := all.Lookup(bundle.OpenAIRuntimeDashboardUID); !ok {
		t.Errorf("the runtime dashboard %s is not registered: %v", bundle.OpenAIRuntimeDashboardUID, all.UIDs())
	}
}

// Render, the query checks and the validation iterate the registry: a
// dashboard added to the list is rendered to its file, its queries are
// checked with its quiet panels, and the validation holds the artifacts to
// the list.
func TestEveryRegisteredDashboardIsRenderedQueriedAndValidated(t *testing.T) {
	registry := withFake()
	set, err := artifacts.RenderWith(testConfig(t), registry)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range registry {
		if _, ok := set[bundle.DashboardPath(d.UID)]; !ok {
			t.Errorf("render wrote no %s for the registered dashboard %s", bundle.DashboardPath(d.UID), d.UID)
		}
	}
	if err := validate.ArtifactsWith(set, registry); err != nil {
		t.Fatalf("the artifacts with a second dashboard are invalid: %v", err)
	}

	qs, err := queries.FromFilesWith(set, registry)
	if err != nil {
		t.Fatal(err)
	}
	perFile := map[string]int{}
	expect := map[string]bool{}
	for _, q := range qs {
		perFile[q.Source.File]++
		if q.Source.File == bundle.DashboardPath(fakeUID) {
			expect[q.Source.ID] = q.ExpectData
		}
	}
	for _, d := range registry {
		if perFile[bundle.DashboardPath(d.UID)] == 0 {
			t.Errorf("the query checks read no query of %s", d.UID)
		}
	}
	traffic, quiet := strconv.Itoa(fakeTrafficPanel), strconv.Itoa(fakeQuietPanel)
	if !expect[traffic] {
		t.Errorf("panel %s of the fake dashboard need not return data: %v", traffic, expect)
	}
	if got, ok := expect[quiet]; !ok || got {
		t.Errorf("quiet panel %s of the fake dashboard: expect data %v (found %v), want false", quiet, got, ok)
	}

	// The same artifacts against the list without the fake dashboard: the
	// validation finds the dashboard nobody registered.
	err = validate.ArtifactsWith(set, dashboards.All())
	if err == nil || !strings.Contains(err.Error(), `dashboard "`+fakeUID+`" is not registered`) {
		t.Errorf("an unregistered dashboard file: %v", err)
	}
	// And a registered dashboard whose file is missing.
	delete(set, bundle.DashboardPath(fakeUID))
	err = validate.ArtifactsWith(set, registry)
	if err == nil || !strings.Contains(err.Error(), bundle.DashboardPath(fakeUID)+": missing") {
		t.Errorf("a registered dashboard without its file: %v", err)
	}
}

func TestValidationChecksTheQuietPanels(t *testing.T) {
	registry := withFake()
	set, err := artifacts.RenderWith(testConfig(t), registry)
	if err != nil {
		t.Fatal(err)
	}
	registry[len(registry)-1].QuietPanels = []uint32{99}
	err = validate.ArtifactsWith(set, registry)
	if err == nil || !strings.Contains(err.Error(), "quiet panel 99 of the registry names no panel") {
		t.Errorf("a quiet panel the dashboard lacks: %v", err)
	}
}

func TestRenderRefusesABrokenList(t *testing.T) {
	cfg := testConfig(t)
	for _, tc := range []struct {
		name     string
		registry dashboards.Registry
		want     string
	}{
		{"uid registered twice", append(withFake(), dashboards.Dashboard{UID: fakeUID, Build: fakeDashboard(fakeUID)}), "registered twice"},
		{"builder of another uid", dashboards.Registry{{UID: fakeUID, Build: fakeDashboard("other")}}, `builds a dashboard with uid "other"`},
		{"no builder", dashboards.Registry{{UID: fakeUID}}, "has no Build function"},
		{"invalid uid", dashboards.Registry{{UID: "has space", Build: fakeDashboard("has space")}}, bundle.UIDRule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := artifacts.RenderWith(cfg, tc.registry)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}
