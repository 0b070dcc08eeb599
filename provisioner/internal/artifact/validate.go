package artifact

import (
	"encoding/json"
	"sort"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Validate checks the PromQL of the artifacts and that they agree with
// each other. Every PromQL expression is parsed with the Prometheus
// parser, Grafana's macros and variables replaced first: the targets of
// every panel on a Prometheus datasource (in rows too), the queries of
// Prometheus variables, and the queries of alert rules but expressions
// (and Loki or Tempo queries). Then: rule uids unique across groups, one
// file per group, rule titles unique in their folder, dashboard links of
// rules that resolve, and receivers that exist among the generated
// contact points. Problems come back as *Error.
func Validate(b *Bundle) error {
	var list []Problem

	promql := newPromQLChecker()
	for _, d := range b.Dashboards {
		promql.checkDashboardPromQL(d, problems{&list, d.File})
	}
	for _, g := range b.RuleGroups {
		promql.checkRulePromQL(g, problems{&list, g.File})
	}

	dashboards := map[string]Dashboard{}
	for _, d := range b.Dashboards {
		dashboards[d.UID] = d
	}
	receiverNames := map[string]bool{DefaultReceiver: true}
	for _, cp := range b.ContactPoints {
		receiverNames[cp.Name] = true
	}

	groupFile := map[string]string{}
	ruleFile := map[string]string{}
	titleFile := map[string]string{}
	for _, g := range b.RuleGroups {
		p := problems{&list, g.File}
		if other, ok := groupFile[g.Key()]; ok {
			p.add("title", "group %q in folder %q is also defined in %s", g.Group.Title, g.Group.FolderUID, other)
		}
		groupFile[g.Key()] = g.File
		for i, r := range g.Group.Rules {
			where := ruleWhere(i, r)
			if other, ok := ruleFile[r.UID]; ok {
				p.add(where+".uid", "also used by a rule in %s: rule uids are unique in Grafana", other)
			}
			ruleFile[r.UID] = g.File
			titleKey := g.Group.FolderUID + "\x00" + str(r.Title)
			if other, ok := titleFile[titleKey]; ok {
				p.add(where+".title", "%q is also the title of a rule in %s: titles are unique in a folder", str(r.Title), other)
			}
			titleFile[titleKey] = g.File
			checkDashboardLink(where, r.Annotations, dashboards, p)
			if ns := r.NotificationSettings; ns != nil && b.ContactPointsFile != "" && ns.Receiver != nil && !receiverNames[*ns.Receiver] {
				p.add(where+".notification_settings.receiver", "%q is not a contact point in %s", *ns.Receiver, b.ContactPointsFile)
			}
		}
	}

	if b.Policy != nil && b.ContactPointsFile != "" {
		used := map[string]string{}
		receivers("", b.Policy, used)
		names := make([]string, 0, len(used))
		for n := range used {
			names = append(names, n)
		}
		sort.Strings(names)
		p := problems{&list, b.PolicyFile}
		for _, n := range names {
			if !receiverNames[n] {
				p.add(used[n], "%q is not a contact point in %s", n, b.ContactPointsFile)
			}
		}
	}

	if len(list) > 0 {
		return &Error{Problems: list}
	}
	return nil
}

// checkDashboardLink checks the __dashboardUid__ and __panelId__
// annotations that link a rule to a panel.
func checkDashboardLink(where string, annotations map[string]string, dashboards map[string]Dashboard, p problems) {
	uid, ok := annotations[bundle.AnnotationDashboardUID]
	if !ok {
		return
	}
	d, ok := dashboards[uid]
	if !ok {
		p.add(where+".annotations."+bundle.AnnotationDashboardUID, "%q is not a generated dashboard", uid)
		return
	}
	panel, ok := annotations[bundle.AnnotationPanelID]
	if ok && !hasPanel(d.Model["panels"], panel) {
		p.add(where+".annotations."+bundle.AnnotationPanelID, "dashboard %q has no panel with id %s", uid, panel)
	}
}

// hasPanel looks for a panel id among panels and the panels of rows.
func hasPanel(panels any, id string) bool {
	list, _ := panels.([]any)
	for _, e := range list {
		panel, _ := e.(map[string]any)
		if n, ok := panel["id"].(json.Number); ok && n.String() == id {
			return true
		}
		if hasPanel(panel["panels"], id) {
			return true
		}
	}
	return false
}
