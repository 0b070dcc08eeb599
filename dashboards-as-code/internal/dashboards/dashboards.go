// Package dashboards is the list of the generated dashboards. Rendering
// (artifacts), the query checks (queries) and the validation (validate)
// iterate it, so that adding a dashboard is its package plus one entry in
// All (and its uid among the bundle's identities).
package dashboards

import (
	"errors"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Dashboard is one generated dashboard.
type Dashboard struct {
	// UID is the dashboard's fixed uid, one of the bundle's identities; its
	// artifact is bundle.DashboardPath(UID).
	UID string
	// Build builds the dashboard from the reviewed configuration.
	Build func(config.Config) (dashboard.Dashboard, error)
	// QuietPanels are the ids of the panels whose queries may return
	// nothing while the backend serves traffic: they show a problem only
	// when there is one (traffic of a model without a price, say). Every
	// other panel's PromQL must return data once there is traffic.
	QuietPanels []uint32
}

// Registry is a list of dashboards.
type Registry []Dashboard

// All is the list of the generated dashboards.
func All() Registry {
	return Registry{
		{UID: bundle.OpenAIRuntimeDashboardUID, Build: openairuntime.Build, QuietPanels: openairuntime.QuietPanels()},
	}
}

// Lookup finds the dashboard with a uid.
func (r Registry) Lookup(uid string) (Dashboard, bool) {
	for _, d := range r {
		if d.UID == uid {
			return d, true
		}
	}
	return Dashboard{}, false
}

// UIDs lists the uids of the registered dashboards, in order.
func (r Registry) UIDs() []string {
	out := make([]string, len(r))
	for i, d := range r {
		out[i] = d.UID
	}
	return out
}

// IsQuiet reports whether the panel id of the dashboard uid is one of its
// quiet panels.
func (r Registry) IsQuiet(uid string, panelID int) bool {
	d, ok := r.Lookup(uid)
	if !ok {
		return false
	}
	for _, id := range d.QuietPanels {
		if int64(id) == int64(panelID) {
			return true
		}
	}
	return false
}

// Check checks the list itself: each entry has a valid uid of its own and
// a builder.
func (r Registry) Check() error {
	var problems []error
	seen := map[string]bool{}
	for i, d := range r {
		where := fmt.Sprintf("dashboard %d of the registry", i)
		if d.UID != "" {
			where = fmt.Sprintf("dashboard %q of the registry", d.UID)
		}
		if err := bundle.CheckUID(d.UID); err != nil {
			problems = append(problems, fmt.Errorf("%s: uid %w", where, err))
		}
		if seen[d.UID] {
			problems = append(problems, fmt.Errorf("%s: uid is registered twice", where))
		}
		seen[d.UID] = true
		if d.Build == nil {
			problems = append(problems, fmt.Errorf("%s: has no Build function", where))
		}
	}
	return errors.Join(problems...)
}
