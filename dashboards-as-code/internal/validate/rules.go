package validate

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// ruleTitle is an alert name: CamelCase with the OpenAI prefix.
var ruleTitle = regexp.MustCompile(`^OpenAI[A-Z][A-Za-z0-9]*$`)

var (
	severities  = []string{"warning", "critical"}
	reducers    = []string{"last", "mean", "min", "max", "sum", "count", "median"}
	reduceModes = []string{"", "dropNN", "replaceNN"}
	// thresholdArity is how many params each threshold evaluator takes.
	thresholdArity = map[string]int{
		"gt": 1, "lt": 1, "eq": 1, "ne": 1, "gte": 1, "lte": 1,
		"within_range": 2, "outside_range": 2, "within_range_included": 2, "outside_range_included": 2,
	}
	// promQLDatasources are the datasources a PromQL query may use.
	promQLDatasources = []string{bundle.MimirUID}
)

// ruleIndex finds rule uids and titles used twice in the folder.
type ruleIndex struct {
	uids, titles map[string]string
}

func (v *validator) ruleGroup(file string, data []byte, index *ruleIndex) {
	g, err := bundle.DecodeRuleGroup(data)
	if err != nil {
		v.addf(file, "%v", err)
		return
	}
	if g.Title == "" {
		v.addf(file, "has no title")
	}
	if err := bundle.CheckRuleGroupFile(file, g.Title); err != nil {
		v.addf(file, "title %v", err)
	}
	if err := bundle.CheckFolderUID(g.FolderUID); err != nil {
		v.addf(file, "folderUid %v", err)
	}
	if err := bundle.CheckInterval(g.Interval); err != nil {
		v.addf(file, "interval %v", err)
	}
	if len(g.Rules) == 0 {
		v.addf(file, "has no rules")
	}
	for _, r := range g.Rules {
		where := fmt.Sprintf("%s: rule %q", file, r.Title)
		v.rule(where, g, r)
		if other, dup := index.uids[r.UID]; dup {
			v.addf(where, "uid %q is used by %s too", r.UID, other)
		}
		index.uids[r.UID] = where
		if other, dup := index.titles[r.Title]; dup {
			v.addf(where, "title is used by %s too: titles are unique in a folder", other)
		}
		index.titles[r.Title] = where
	}
}

func (v *validator) rule(where string, g bundle.RuleGroup, r bundle.Rule) {
	if err := bundle.CheckUID(r.UID); err != nil {
		v.addf(where, "uid %v", err)
	}
	if !ruleTitle.MatchString(r.Title) {
		v.addf(where, "title must be CamelCase with the OpenAI prefix, like OpenAIHighErrorRate")
	}
	if r.RuleGroup != g.Title {
		v.addf(where, "ruleGroup %q must be its group's title %q", r.RuleGroup, g.Title)
	}
	if err := bundle.CheckFolderUID(r.FolderUID); err != nil {
		v.addf(where, "folderUID %v", err)
	}
	if err := bundle.CheckNoDataState(r.NoDataState); err != nil {
		v.addf(where, "noDataState %v", err)
	}
	if err := bundle.CheckExecErrState(r.ExecErrState); err != nil {
		v.addf(where, "execErrState %v", err)
	}
	if r.IsPaused == nil {
		v.addf(where, "isPaused must be set")
	}
	if d, err := model.ParseDuration(r.For); err != nil {
		v.addf(where, "for %q is not a duration", r.For)
	} else if g.Interval > 0 && time.Duration(d)%(time.Duration(g.Interval)*time.Second) != 0 {
		v.addf(where, "for %s must be a multiple of the group interval (%ds)", r.For, g.Interval)
	}
	v.ruleQueries(where, r)
	v.ruleLabels(where, r)
}

func (v *validator) ruleQueries(where string, r bundle.Rule) {
	refIDs := map[string]bool{}
	for _, q := range r.Data {
		if q.RefID == "" {
			v.addf(where, "has a query without refId")
			continue
		}
		if refIDs[q.RefID] {
			v.addf(where, "has two queries %s", q.RefID)
		}
		refIDs[q.RefID] = true
		if q.Model.RefID != q.RefID {
			v.addf(where, "query %s: its model's refId is %q", q.RefID, q.Model.RefID)
		}
	}
	if !refIDs[r.Condition] {
		v.addf(where, "condition %q names none of its queries", r.Condition)
	}
	for _, q := range r.Data {
		qw := fmt.Sprintf("%s query %s", where, q.RefID)
		if q.DatasourceUID == bundle.ExpressionUID {
			v.expression(qw, q, refIDs)
			continue
		}
		if !slices.Contains(promQLDatasources, q.DatasourceUID) {
			v.addf(qw, "datasourceUid %q must be one of %s", q.DatasourceUID, strings.Join(promQLDatasources, ", "))
		}
		if q.RelativeTimeRange == nil || q.RelativeTimeRange.From <= q.RelativeTimeRange.To {
			v.addf(qw, "relativeTimeRange must have from > to (seconds before evaluation)")
		}
		if strings.TrimSpace(q.Model.Expr) == "" {
			v.addf(qw, "has no expr")
		}
		if !q.Model.Instant {
			v.addf(qw, "must be an instant query: alerts compare one value per series")
		}
	}
}

func (v *validator) expression(where string, q bundle.Query, refIDs map[string]bool) {
	m := q.Model
	if !refIDs[m.Expression] {
		v.addf(where, "expression %q names none of the rule's queries", m.Expression)
	}
	switch m.Type {
	case "reduce":
		if !slices.Contains(reducers, m.Reducer) {
			v.addf(where, "reducer %q must be one of %s", m.Reducer, strings.Join(reducers, ", "))
		}
		if m.Settings != nil && !slices.Contains(reduceModes, m.Settings.Mode) {
			v.addf(where, "reduce mode %q must be dropNN or replaceNN", m.Settings.Mode)
		}
	case "threshold":
		if len(m.Conditions) != 1 {
			v.addf(where, "a threshold needs exactly one condition, has %d", len(m.Conditions))
			return
		}
		e := m.Conditions[0].Evaluator
		arity, ok := thresholdArity[e.Type]
		if !ok {
			v.addf(where, "threshold type %q is unknown", e.Type)
		} else if len(e.Params) != arity {
			v.addf(where, "threshold %s takes %d params, has %d", e.Type, arity, len(e.Params))
		}
	default:
		v.addf(where, "expression type %q is not reduce or threshold", m.Type)
	}
}

func (v *validator) ruleLabels(where string, r bundle.Rule) {
	if !slices.Contains(severities, r.Labels[bundle.LabelSeverity]) {
		v.addf(where, "label %s %q must be warning or critical", bundle.LabelSeverity, r.Labels[bundle.LabelSeverity])
	}
	a := r.Annotations
	switch summary := a[bundle.AnnotationSummary]; {
	case strings.TrimSpace(summary) == "":
		v.addf(where, "has no summary annotation")
	case strings.Contains(summary, "{{"):
		v.addf(where, "summary must be a fixed sentence; templates go in the description")
	}
	if !strings.Contains(a[bundle.AnnotationDescription], "{{") {
		v.addf(where, "description must be templated with the alert's labels and value")
	}
	runbook := a[bundle.AnnotationRunbookURL]
	if u, err := url.Parse(runbook); runbook == "" || err != nil || u.Fragment == "" {
		v.addf(where, "%s %q must link to a section (#anchor) of the runbooks", bundle.AnnotationRunbookURL, runbook)
	}
	uid, panel := a[bundle.AnnotationDashboardUID], a[bundle.AnnotationPanelID]
	panels, ok := v.dashboards[uid]
	if !ok {
		v.addf(where, "%s %q names no generated dashboard", bundle.AnnotationDashboardUID, uid)
		return
	}
	id, err := strconv.Atoi(panel)
	if err != nil {
		v.addf(where, "%s %q is not a panel id", bundle.AnnotationPanelID, panel)
		return
	}
	switch typ, ok := panels[id]; {
	case !ok:
		v.addf(where, "%s %d names no panel of dashboard %s", bundle.AnnotationPanelID, id, uid)
	case typ == "row":
		v.addf(where, "%s %d is a row, not a panel", bundle.AnnotationPanelID, id)
	}
}
