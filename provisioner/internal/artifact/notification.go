package artifact

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/internal/bundle"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// promDuration is the duration syntax of the policy tree ("30s", "1h30m").
var promDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)

// DefaultReceiver is the contact point a fresh Grafana has; a generated
// policy may route to it without generating it.
const DefaultReceiver = "grafana-default-email"

func loadContactPoints(raw []byte, p problems) []*models.EmbeddedContactPoint {
	var cps []*models.EmbeddedContactPoint
	if err := decodeStrict(raw, &cps); err != nil {
		p.add(position(raw, err), "not a JSON array of contact points (uid, name, type, settings, disableResolveMessage): %v", err)
		return nil
	}
	seen := map[string]bool{}
	for i, cp := range cps {
		where := fmt.Sprintf("[%d]", i)
		if cp == nil {
			p.add(where, "null contact point")
			continue
		}
		if cp.UID != "" {
			where = fmt.Sprintf("[uid=%s]", cp.UID)
		}
		switch {
		case cp.UID == "":
			p.add(where+".uid", "missing: every contact point needs a fixed uid")
		case !bundle.ValidUID(cp.UID):
			p.add(where+".uid", "%v", bundle.CheckUID(cp.UID))
		case !strings.HasPrefix(cp.UID, managed.ContactPointUIDPrefix):
			p.add(where+".uid", "%q must start with %q: the prefix marks contact points this provisioner manages (and may prune)", cp.UID, managed.ContactPointUIDPrefix)
		case seen[cp.UID]:
			p.add(where+".uid", "used twice")
		}
		seen[cp.UID] = true
		if strings.TrimSpace(cp.Name) == "" {
			p.add(where+".name", "missing: the name policies route to")
		}
		if t := str(cp.Type); !oneOf(t, bundle.ContactPointTypes()) {
			p.add(where+".type", "%q: must be one of %s", t, strings.Join(bundle.ContactPointTypes(), ", "))
		}
		if _, ok := cp.Settings.(map[string]any); !ok {
			p.add(where+".settings", "missing or not an object")
		}
	}
	if cps == nil {
		// "[]" is no contact points; "null" is an empty set too.
		cps = []*models.EmbeddedContactPoint{}
	}
	return cps
}

func loadPolicy(raw []byte, p problems) *models.Route {
	var root models.Route
	if err := decodeStrict(raw, &root); err != nil {
		p.add(position(raw, err), "not a notification policy tree (the API's Route): %v", err)
		return nil
	}
	if root.Receiver == "" {
		p.add("receiver", "missing: the root policy needs a default receiver")
	}
	if len(root.ObjectMatchers) > 0 {
		p.add("object_matchers", "the root policy matches every alert and takes no matchers")
	}
	checkRoute("", &root, p)
	return &root
}

func checkRoute(where string, r *models.Route, p problems) {
	at := func(field string) string { return joinPath(where, field) }
	if len(r.Matchers) > 0 || len(r.Match) > 0 || len(r.MatchRe) > 0 {
		p.add(at("matchers"), "use object_matchers ([[\"label\", \"=\", \"value\"]]); matchers, match and match_re are not supported")
	}
	for i, m := range r.ObjectMatchers {
		if len(m) != 3 || m[0] == "" || !oneOf(m[1], bundle.MatcherOperators()) {
			p.add(fmt.Sprintf("%s[%d]", at("object_matchers"), i), "%q: a matcher is [label, op, value] with op one of %s", []string(m), strings.Join(bundle.MatcherOperators(), " "))
		}
	}
	for _, d := range []struct{ field, value string }{
		{"group_wait", r.GroupWait}, {"group_interval", r.GroupInterval}, {"repeat_interval", r.RepeatInterval},
	} {
		if d.value != "" && !promDuration.MatchString(d.value) {
			p.add(at(d.field), "%q: not a duration like 30s or 4h", d.value)
		}
	}
	for i, child := range r.Routes {
		if child == nil {
			p.add(fmt.Sprintf("%s[%d]", at("routes"), i), "null route")
			continue
		}
		checkRoute(fmt.Sprintf("%s[%d]", at("routes"), i), child, p)
	}
}

// receivers lists every receiver the tree routes to, with where.
func receivers(where string, r *models.Route, out map[string]string) {
	if r.Receiver != "" {
		if _, ok := out[r.Receiver]; !ok {
			out[r.Receiver] = joinPath(where, "receiver")
		}
	}
	for i, child := range r.Routes {
		if child != nil {
			receivers(fmt.Sprintf("%s[%d]", joinPath(where, "routes"), i), child, out)
		}
	}
}
