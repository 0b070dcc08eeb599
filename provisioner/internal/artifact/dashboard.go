package artifact

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// variableRef matches a template variable reference: $ds, ${ds}, [[ds]].
var variableRef = regexp.MustCompile(`^(\$\{[^}]+\}|\$[A-Za-z0-9_]+|\[\[[^\]]+\]\])$`)

// builtinDatasources are Grafana's own datasource references.
var builtinDatasources = map[string]bool{
	"grafana": true, "-- Grafana --": true, "-- Mixed --": true, "-- Dashboard --": true,
	bundle.ExpressionUID: true,
}

func loadDashboard(file string, raw []byte, p problems) (Dashboard, bool) {
	v, err := decodeGeneric(raw)
	if err != nil {
		p.add(position(raw, err), "not valid JSON: %v", err)
		return Dashboard{}, false
	}
	model, ok := v.(map[string]any)
	if !ok {
		p.add("", "a dashboard must be a JSON object")
		return Dashboard{}, false
	}
	before := len(*p.list)

	uid, _ := model["uid"].(string)
	switch {
	case uid == "":
		p.add("uid", "missing: every dashboard needs a fixed uid")
	case !bundle.ValidUID(uid):
		p.add("uid", "%v", bundle.CheckUID(uid))
	case bundle.CheckDashboardFile(file, uid) != nil:
		p.add("uid", "%v", bundle.CheckDashboardFile(file, uid))
	}
	title, _ := model["title"].(string)
	if strings.TrimSpace(title) == "" {
		p.add("title", "missing: every dashboard needs a title")
	}
	if id, ok := model["id"]; ok && id != nil {
		p.add("id", "remove it: Grafana assigns dashboard ids")
	}
	if _, ok := model["schemaVersion"].(json.Number); !ok {
		p.add("schemaVersion", "missing or not a number: Grafana would migrate the dashboard from schema 0")
	}
	for _, key := range []string{"__inputs", "__requires", "__elements"} {
		if _, ok := model[key]; ok {
			p.add(key, "import placeholders are not supported: export the dashboard without \"share externally\" and reference datasources by uid")
		}
	}
	if tags, ok := model["tags"]; ok {
		if !isStringArray(tags) {
			p.add("tags", "must be an array of strings")
		}
	}
	if panels, ok := model["panels"]; ok {
		if _, isArray := panels.([]any); !isArray {
			p.add("panels", "must be an array")
		}
	}
	checkDatasourceRefs("", model, p)

	if len(*p.list) > before {
		return Dashboard{}, false
	}
	return Dashboard{File: file, UID: uid, Title: title, Model: model}, true
}

// checkDatasourceRefs walks the dashboard and checks that every datasource
// reference names a managed datasource, a built-in one, or a variable.
func checkDatasourceRefs(where string, v any, p problems) {
	switch n := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := joinPath(where, k)
			if k == "datasource" {
				checkDatasourceRef(child, n[k], p)
				continue
			}
			checkDatasourceRefs(child, n[k], p)
		}
	case []any:
		for i, e := range n {
			checkDatasourceRefs(fmt.Sprintf("%s[%d]", where, i), e, p)
		}
	}
}

func checkDatasourceRef(where string, ref any, p problems) {
	switch r := ref.(type) {
	case nil:
		// The dashboard's default datasource.
	case string:
		if !variableRef.MatchString(r) && !builtinDatasources[r] && !bundle.IsDatasourceName(r) && !bundle.IsDatasourceUID(r) {
			p.add(where, "datasource %q is not managed here: use uid %s", r, strings.Join(bundle.DatasourceUIDs(), ", "))
		}
	case map[string]any:
		uid, ok := r["uid"]
		if !ok || uid == nil {
			return
		}
		s, isString := uid.(string)
		if !isString {
			p.add(where+".uid", "must be a string")
			return
		}
		if !variableRef.MatchString(s) && !builtinDatasources[s] && !bundle.IsDatasourceUID(s) {
			p.add(where+".uid", "datasource %q is not managed here: use %s", s, strings.Join(bundle.DatasourceUIDs(), ", "))
		}
	default:
		p.add(where, "a datasource reference must be an object {type, uid}")
	}
}

func isStringArray(v any) bool {
	arr, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range arr {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

func joinPath(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}
