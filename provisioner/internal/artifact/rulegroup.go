package artifact

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/internal/bundle"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// maxRelativeSeconds bounds relativeTimeRange: the API takes seconds, and a
// larger value is almost surely nanoseconds.
const maxRelativeSeconds = 366 * 24 * 3600

// mathRef matches a query reference inside a math expression: $A or ${A}.
var mathRef = regexp.MustCompile(`\$\{([^}]+)\}|\$([A-Za-z0-9_]+)`)

func loadRuleGroup(raw []byte, p problems) (*models.AlertRuleGroup, bool) {
	var g models.AlertRuleGroup
	if err := decodeStrict(raw, &g); err != nil {
		p.add(position(raw, err), "not a rule group in the provisioning API's format: %v", err)
		return nil, false
	}
	before := len(*p.list)

	if strings.TrimSpace(g.Title) == "" {
		p.add("title", "missing: the group's name")
	}
	if err := bundle.CheckFolderUID(g.FolderUID); err != nil {
		p.add("folderUid", "%v", err)
	}
	if err := bundle.CheckInterval(g.Interval); err != nil {
		p.add("interval", "%v", err)
	}
	if len(g.Rules) == 0 {
		p.add("rules", "a rule group needs at least one rule")
	}
	for i, r := range g.Rules {
		if r == nil {
			p.add(fmt.Sprintf("rules[%d]", i), "null rule")
			continue
		}
		checkRule(ruleWhere(i, r), &g, r, p)
	}
	if len(*p.list) > before {
		return nil, false
	}
	return &g, true
}

func ruleWhere(i int, r *models.ProvisionedAlertRule) string {
	if r.UID != "" {
		return fmt.Sprintf("rules[uid=%s]", r.UID)
	}
	return fmt.Sprintf("rules[%d]", i)
}

func checkRule(where string, g *models.AlertRuleGroup, r *models.ProvisionedAlertRule, p problems) {
	at := func(field string) string { return where + "." + field }

	switch {
	case r.UID == "":
		p.add(at("uid"), "missing: every rule needs a stable uid so that plans and prunes can match it")
	case !bundle.ValidUID(r.UID):
		p.add(at("uid"), "%v", bundle.CheckUID(r.UID))
	}
	if title := str(r.Title); strings.TrimSpace(title) == "" {
		p.add(at("title"), "missing")
	} else if len(title) > 190 {
		p.add(at("title"), "longer than 190 characters")
	}
	if rg := str(r.RuleGroup); rg != g.Title {
		p.add(at("ruleGroup"), "%q: must be the group's title %q", rg, g.Title)
	}
	if f := str(r.FolderUID); f != g.FolderUID {
		p.add(at("folderUID"), "%q: must be the group's folderUid %q", f, g.FolderUID)
	}
	if v, ok := r.Labels[managed.RuleLabel]; ok && v != managed.Owner {
		p.add(at("labels."+managed.RuleLabel), "%q: this label marks managed rules and must be %q (or absent)", v, managed.Owner)
	}
	if r.Record == nil {
		if err := bundle.CheckNoDataState(str(r.NoDataState)); err != nil {
			p.add(at("noDataState"), "%v", err)
		}
		if err := bundle.CheckExecErrState(str(r.ExecErrState)); err != nil {
			p.add(at("execErrState"), "%v", err)
		}
		switch {
		case r.For == nil:
			p.add(at("for"), "missing: set how long the condition must hold (\"0s\" fires at once)")
		case time.Duration(*r.For) < 0 || time.Duration(*r.For)%time.Second != 0:
			p.add(at("for"), "%v: must be a whole number of seconds, not negative", time.Duration(*r.For))
		}
	}

	refs := checkQueries(where, r, p)
	if r.Record != nil {
		if str(r.Record.Metric) == "" {
			p.add(at("record.metric"), "missing: the recorded metric's name")
		}
		if from := str(r.Record.From); !refs[from] {
			p.add(at("record.from"), "%q is not a refId of this rule's data", from)
		}
		return
	}
	if c := str(r.Condition); c == "" {
		p.add(at("condition"), "missing: name the refId whose result decides the alert")
	} else if !refs[c] {
		p.add(at("condition"), "%q is not a refId of this rule's data", c)
	}
}

// checkQueries checks the rule's data and returns its refIds.
func checkQueries(where string, r *models.ProvisionedAlertRule, p problems) map[string]bool {
	refs := map[string]bool{}
	if len(r.Data) == 0 {
		p.add(where+".data", "a rule needs at least one query")
		return refs
	}
	for i, q := range r.Data {
		if q == nil {
			p.add(fmt.Sprintf("%s.data[%d]", where, i), "null query")
			continue
		}
		switch {
		case q.RefID == "":
			p.add(fmt.Sprintf("%s.data[%d].refId", where, i), "missing")
		case refs[q.RefID]:
			p.add(fmt.Sprintf("%s.data[refId=%s]", where, q.RefID), "refId used twice")
		}
		refs[q.RefID] = true
	}
	for _, q := range r.Data {
		if q == nil || q.RefID == "" {
			continue
		}
		checkQuery(fmt.Sprintf("%s.data[refId=%s]", where, q.RefID), q, refs, p)
	}
	return refs
}

func checkQuery(where string, q *models.AlertQuery, refs map[string]bool, p problems) {
	model, ok := q.Model.(map[string]any)
	if !ok {
		p.add(where+".model", "missing or not an object")
		return
	}
	if ref, ok := model["refId"].(string); ok && ref != q.RefID {
		p.add(where+".model.refId", "%q differs from the query's refId %q", ref, q.RefID)
	}
	if q.DatasourceUID == bundle.ExpressionUID {
		checkExpression(where, q.RefID, model, refs, p)
		return
	}
	if !bundle.IsDatasourceUID(q.DatasourceUID) {
		p.add(where+".datasourceUid", "%q is not a managed datasource: use %s (PromQL on Mimir) or %s for expressions",
			q.DatasourceUID, bundle.MimirUID, bundle.ExpressionUID)
	}
	tr := q.RelativeTimeRange
	switch {
	case tr == nil:
		p.add(where+".relativeTimeRange", "missing: a datasource query needs {from, to} in seconds")
	case tr.From <= tr.To:
		p.add(where+".relativeTimeRange", "from (%d) must be greater than to (%d)", tr.From, tr.To)
	case tr.From > maxRelativeSeconds:
		p.add(where+".relativeTimeRange.from", "%d: more than a year; the API takes seconds, not nanoseconds", tr.From)
	}
	if q.DatasourceUID == bundle.MimirUID {
		if expr, _ := model["expr"].(string); strings.TrimSpace(expr) == "" {
			p.add(where+".model.expr", "missing: a Mimir query needs a PromQL expression")
		}
	}
}

func checkExpression(where, self string, model map[string]any, refs map[string]bool, p problems) {
	typ, _ := model["type"].(string)
	expr, _ := model["expression"].(string)
	var used []string
	switch typ {
	case "reduce", "resample", "threshold":
		used = []string{expr}
	case "math":
		for _, m := range mathRef.FindAllStringSubmatch(expr, -1) {
			used = append(used, m[1]+m[2])
		}
		if len(used) == 0 {
			p.add(where+".model.expression", "%q refers to no query ($A or ${A})", expr)
		}
	case "classic_conditions", "sql":
		return
	default:
		p.add(where+".model.type", "%q: an expression is math, reduce, resample, threshold, classic_conditions or sql", typ)
		return
	}
	for _, ref := range used {
		switch {
		case ref == self:
			p.add(where+".model.expression", "refers to itself")
		case !refs[ref]:
			p.add(where+".model.expression", "%q is not a refId of this rule's data", ref)
		}
	}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
