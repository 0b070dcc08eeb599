package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// gridColumns is the width of Grafana's dashboard grid.
const gridColumns = 24

func (v *validator) dashboard(file string, data []byte) {
	d, err := bundle.DecodeDashboard(data)
	if err != nil {
		v.addf(file, "%v", err)
		return
	}
	if d.HasID() {
		v.addf(file, "has an id: ids are per Grafana instance, identify the dashboard by uid only")
	}
	if err := bundle.CheckUID(d.UID); err != nil {
		v.addf(file, "uid %v", err)
	}
	if err := bundle.CheckDashboardFile(file, d.UID); err != nil {
		v.addf(file, "uid %v", err)
	}
	if _, dup := v.dashboards[d.UID]; dup {
		v.addf(file, "uid %q is used by another dashboard", d.UID)
	}
	if strings.TrimSpace(d.Title) == "" {
		v.addf(file, "has no title")
	}
	panels := map[int]string{}
	v.dashboards[d.UID] = panels

	var placed []bundle.Panel
	var walk func(ps []bundle.Panel, collapsed bool)
	walk = func(ps []bundle.Panel, collapsed bool) {
		for _, p := range ps {
			where := fmt.Sprintf("%s: %s %q", file, p.Type, p.Title)
			if p.ID == nil {
				v.addf(where, "has no id")
			} else {
				where = fmt.Sprintf("%s (id %d)", where, *p.ID)
				if _, dup := panels[*p.ID]; dup {
					v.addf(where, "id %d is used by another panel", *p.ID)
				}
				panels[*p.ID] = p.Type
			}
			v.gridPos(where, p)
			if !collapsed && p.GridPos != nil {
				placed = append(placed, p)
			}
			if p.IsRow() {
				walk(p.Panels, true)
				continue
			}
			v.panel(where, p)
		}
	}
	walk(d.Panels, false)
	v.overlaps(file, placed)

	names := map[string]bool{}
	for _, variable := range d.Templating.List {
		where := fmt.Sprintf("%s: variable %q", file, variable.Name)
		if names[variable.Name] {
			v.addf(where, "is defined twice")
		}
		names[variable.Name] = true
		if variable.Type == "query" && (variable.Datasource == nil || variable.Datasource.UID == "") {
			v.addf(where, "has no datasource")
		}
	}
}

func (v *validator) panel(where string, p bundle.Panel) {
	if strings.TrimSpace(p.Title) == "" {
		v.addf(where, "has no title")
	}
	if p.Datasource == nil || p.Datasource.UID == "" {
		v.addf(where, "has no datasource")
	}
	if len(p.Targets) == 0 {
		v.addf(where, "has no query")
	}
	refIDs := map[string]bool{}
	for _, t := range p.Targets {
		if t.RefID == "" {
			v.addf(where, "has a query without refId")
		} else if refIDs[t.RefID] {
			v.addf(where, "has two queries %s", t.RefID)
		}
		refIDs[t.RefID] = true
		v.target(fmt.Sprintf("%s query %s", where, t.RefID), p, t)
	}
}

// promQLDatasourceUIDs are the datasources a PromQL target may name: the
// dashboard's datasource variable or Mimir.
var promQLDatasourceUIDs = []string{"${datasource}", bundle.MimirUID}

// target checks that a query names the datasource of its language and, for
// LogQL and TraceQL, the query itself; PromQL is checked with the rule
// queries (promQLProblems).
func (v *validator) target(where string, p bundle.Panel, t bundle.Target) {
	ds := p.TargetDatasource(t)
	if ds == nil {
		return // the panel has none either, which panel reports
	}
	if t.Datasource != nil && p.Datasource != nil && *t.Datasource != *p.Datasource {
		v.addf(where, "datasource %s/%s differs from its panel's %s/%s", t.Datasource.Type, t.Datasource.UID, p.Datasource.Type, p.Datasource.UID)
	}
	text, problems := t.Expr, []string(nil)
	switch ds.Type {
	case bundle.PrometheusType:
		if !slices.Contains(promQLDatasourceUIDs, ds.UID) {
			v.addf(where, "a PromQL query on datasource uid %q: use %s", ds.UID, strings.Join(promQLDatasourceUIDs, " or "))
		}
	case bundle.LokiType:
		if ds.UID != bundle.LokiUID {
			v.addf(where, "a LogQL query on datasource uid %q: use %q", ds.UID, bundle.LokiUID)
		}
		problems = logQLProblems(queries.Substitute(text))
	case bundle.TempoType:
		if ds.UID != bundle.TempoUID {
			v.addf(where, "a TraceQL query on datasource uid %q: use %q", ds.UID, bundle.TempoUID)
		}
		text = t.Query
		if t.Expr != "" {
			v.addf(where, "a Tempo query holds its TraceQL in query, not expr")
		}
		problems = traceQLProblems(queries.Substitute(text))
	default:
		v.addf(where, "datasource type %q: queries go to %s (%s), %s (%s) or %s (%s)", ds.Type,
			bundle.PrometheusType, bundle.MimirUID, bundle.LokiType, bundle.LokiUID, bundle.TempoType, bundle.TempoUID)
		return
	}
	if strings.TrimSpace(text) == "" {
		v.addf(where, "has no expression")
		return
	}
	for _, problem := range problems {
		v.addf(where, "%s (in %s)", problem, text)
	}
}

func (v *validator) gridPos(where string, p bundle.Panel) {
	g := p.GridPos
	switch {
	case g == nil:
		v.addf(where, "has no gridPos")
	case g.W <= 0 || g.H <= 0:
		v.addf(where, "gridPos has no area (w %d, h %d)", g.W, g.H)
	case g.X < 0 || g.Y < 0 || g.X+g.W > gridColumns:
		v.addf(where, "gridPos x %d, w %d leaves the %d-column grid", g.X, g.W, gridColumns)
	case p.IsRow() && (g.X != 0 || g.W != gridColumns || g.H != 1):
		v.addf(where, "a row must span the grid: x 0, w %d, h 1", gridColumns)
	}
}

// overlaps reports panels whose rectangles intersect.
func (v *validator) overlaps(file string, ps []bundle.Panel) {
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			a, b := ps[i].GridPos, ps[j].GridPos
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				v.addf(file, "%q and %q overlap on the grid", ps[i].Title, ps[j].Title)
			}
		}
	}
}
