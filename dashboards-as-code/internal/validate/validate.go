// Package validate checks the generated artifacts before they are written
// and after they are committed: the structure Grafana requires of dashboards
// and alert rule groups, every PromQL expression against the parser and the
// metric contract (backend/openaimetrics), and every LogQL and TraceQL query
// structurally (no parser of theirs may be used): balanced brackets and
// quotes, the datasource of its language, and only the labels, structured
// metadata and attributes the backend emits as Loki and Tempo store them.
package validate

import (
	"errors"
	"fmt"
	"slices"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Artifacts validates a set of artifacts keyed by their slash-separated path
// relative to the generated directory, against the registered dashboards
// (dashboards.All). The error lists every problem, one per line, each naming
// its file and element.
func Artifacts(files map[string][]byte) error { return ArtifactsWith(files, dashboards.All()) }

// ArtifactsWith is Artifacts against the dashboards of a registry: each
// registered dashboard has its file, each dashboard file is registered, and
// each quiet panel of the registry is a panel of its dashboard.
func ArtifactsWith(files map[string][]byte, registry dashboards.Registry) error {
	v := &validator{dashboards: map[string]map[int]string{}}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)

	// Dashboards first: rules link to their panels.
	for _, p := range paths {
		if bundle.KindOf(p) == bundle.DashboardFile {
			v.dashboard(p, files[p])
		}
	}
	rules := &ruleIndex{uids: map[string]string{}, titles: map[string]string{}}
	var receivers map[string]bool
	for _, p := range paths {
		switch bundle.KindOf(p) {
		case bundle.DashboardFile:
		case bundle.RuleGroupFile:
			v.ruleGroup(p, files[p], rules)
		case bundle.ContactPointsKind:
			receivers = v.contactPoints(p, files[p])
		case bundle.NotificationPolicyKind:
		default:
			v.addf(p, "is not an artifact: dashboards go in %s/, rule groups and notification settings in %s/", bundle.DashboardsDir, bundle.AlertingDir)
		}
	}
	for _, p := range paths {
		if bundle.KindOf(p) == bundle.NotificationPolicyKind {
			v.policy(p, files[p], receivers)
		}
	}

	v.registry(registry, files)

	qs, err := queries.FromFilesWith(files, registry)
	if err != nil {
		v.problems = append(v.problems, err)
	}
	for _, q := range qs {
		for _, problem := range promQLProblems(q) {
			v.problems = append(v.problems, fmt.Errorf("%s: %s", q.Source, problem))
		}
	}
	return errors.Join(v.problems...)
}

// registry checks the set against the registered dashboards. It runs after
// the dashboards are read.
func (v *validator) registry(registry dashboards.Registry, files map[string][]byte) {
	if err := registry.Check(); err != nil {
		v.problems = append(v.problems, err)
	}
	for _, d := range registry {
		file := bundle.DashboardPath(d.UID)
		if _, ok := files[file]; !ok {
			v.addf(file, "missing: dashboard %q is registered (internal/dashboards), generate it", d.UID)
			continue
		}
		panels := v.dashboards[d.UID]
		for _, id := range d.QuietPanels {
			switch typ, ok := panels[int(id)]; {
			case panels == nil:
				// The file does not decode; dashboard reported it.
			case !ok:
				v.addf(file, "quiet panel %d of the registry names no panel of the dashboard", id)
			case typ == "row":
				v.addf(file, "quiet panel %d of the registry is a row, not a panel", id)
			}
		}
	}
	uids := make([]string, 0, len(v.dashboards))
	for uid := range v.dashboards {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	for _, uid := range uids {
		if _, ok := registry.Lookup(uid); !ok {
			v.addf(bundle.DashboardPath(uid), "dashboard %q is not registered: add it to the list of internal/dashboards", uid)
		}
	}
}

type validator struct {
	problems []error
	// dashboards maps each dashboard uid to its panels: id to type.
	dashboards map[string]map[int]string
}

func (v *validator) addf(where, format string, args ...any) {
	v.problems = append(v.problems, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}
