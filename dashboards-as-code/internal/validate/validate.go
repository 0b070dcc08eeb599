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

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/schema"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
)

// Artifacts validates a set of artifacts keyed by their slash-separated path
// relative to the generated directory. The error lists every problem, one per
// line, each naming its file and element.
func Artifacts(files map[string][]byte) error {
	v := &validator{dashboards: map[string]map[int]string{}}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)

	// Dashboards first: rules link to their panels.
	for _, p := range paths {
		if schema.KindOf(p) == schema.DashboardFile {
			v.dashboard(p, files[p])
		}
	}
	rules := &ruleIndex{uids: map[string]string{}, titles: map[string]string{}}
	var receivers map[string]bool
	for _, p := range paths {
		switch schema.KindOf(p) {
		case schema.DashboardFile:
		case schema.RuleGroupFile:
			v.ruleGroup(p, files[p], rules)
		case schema.ContactPointsKind:
			receivers = v.contactPoints(p, files[p])
		case schema.NotificationPolicyKind:
		default:
			v.addf(p, "is not an artifact: dashboards go in %s/, rule groups and notification settings in %s/", schema.DashboardsDir, schema.AlertingDir)
		}
	}
	for _, p := range paths {
		if schema.KindOf(p) == schema.NotificationPolicyKind {
			v.policy(p, files[p], receivers)
		}
	}

	qs, err := queries.FromFiles(files)
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

type validator struct {
	problems []error
	// dashboards maps each dashboard uid to its panels: id to type.
	dashboards map[string]map[int]string
}

func (v *validator) addf(where, format string, args ...any) {
	v.problems = append(v.problems, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}
