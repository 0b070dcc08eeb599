package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// secretSettingKeys name settings that carry credentials or secret URLs, in
// lower case without separators. Their values must be environment references.
var secretSettingKeys = []string{
	"apikey", "apisecret", "apitoken", "authorizationcredentials", "bottoken",
	"integrationkey", "password", "routingkey", "secret", "token", "url", "userkey",
}

// envReference is the only form a secret setting may take in config.yaml.
var envReference = regexp.MustCompile(`^\$\{[A-Z_][A-Z0-9_]*\}$`)

func (r rawNotifications) validate(p *problems, path string) Notifications {
	var n Notifications
	if len(r.ContactPoints) == 0 && r.Policy == nil {
		p.add(path, "is empty: configure contact_points and policy, or remove the section")
		return n
	}
	uids := map[string]bool{}
	names := map[string]bool{}
	for i, raw := range r.ContactPoints {
		cp := raw.validate(p, fmt.Sprintf("%s.contact_points[%d]", path, i))
		if cp.UID != "" {
			if uids[cp.UID] {
				p.add(fmt.Sprintf("%s.contact_points[%d].uid", path, i), "%q is used by another contact point", cp.UID)
			}
			uids[cp.UID] = true
		}
		if cp.Name != "" {
			if names[cp.Name] {
				p.add(fmt.Sprintf("%s.contact_points[%d].name", path, i), "%q is used by another contact point", cp.Name)
			}
			names[cp.Name] = true
		}
		n.ContactPoints = append(n.ContactPoints, cp)
	}
	if r.Policy != nil {
		root := r.Policy.validate(p, path+".policy", names, true)
		n.Policy = &root
	}
	return n
}

func (r rawContactPoint) validate(p *problems, path string) ContactPoint {
	var cp ContactPoint
	switch {
	case r.UID == nil || *r.UID == "":
		p.add(path+".uid", "is required")
	case !bundle.ValidUID(*r.UID):
		p.add(path+".uid", "must be "+bundle.UIDRule)
	default:
		cp.UID = *r.UID
	}
	if r.Name == nil || strings.TrimSpace(*r.Name) == "" {
		p.add(path+".name", "is required")
	} else {
		cp.Name = *r.Name
	}
	switch {
	case r.Type == nil || *r.Type == "":
		p.add(path+".type", "is required")
	case !slices.Contains(bundle.ContactPointTypes(), *r.Type):
		p.add(path+".type", "%q is not a Grafana integration type: use one of %s", *r.Type, strings.Join(bundle.ContactPointTypes(), ", "))
	default:
		cp.Type = *r.Type
	}
	if len(r.Settings) == 0 {
		p.add(path+".settings", "is required: give the integration's settings (addresses for email, url for a webhook)")
	} else {
		checkSecrets(p, path+".settings", r.Settings)
		cp.Settings = r.Settings
	}
	if r.DisableResolveMessage != nil {
		cp.DisableResolveMessage = *r.DisableResolveMessage
	}
	return cp
}

// checkSecrets requires every secret-looking setting to be an environment
// reference. Its messages never repeat the value.
func checkSecrets(p *problems, path string, settings map[string]any) {
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kp := path + "." + k
		switch v := settings[k].(type) {
		case map[string]any:
			checkSecrets(p, kp, v)
		default:
			if !isSecretKey(k) {
				continue
			}
			if s, ok := v.(string); !ok || !envReference.MatchString(s) {
				p.add(kp, "holds a secret: write it as an environment reference such as ${%s} and set the variable where the artifacts are pushed, so that the secret stays out of this file and of generated/", envName(k))
			}
		}
	}
}

func isSecretKey(key string) bool {
	norm := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(key))
	return slices.Contains(secretSettingKeys, norm)
}

// envName suggests an environment variable name for a setting key.
func envName(key string) string {
	var b strings.Builder
	b.WriteString("GRAFANA_CONTACT_")
	for i, r := range key {
		switch {
		case r >= 'A' && r <= 'Z' && i > 0:
			b.WriteByte('_')
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= '0' && r <= '9' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (r rawRoute) validate(p *problems, path string, receivers map[string]bool, root bool) Route {
	var rt Route
	switch {
	case r.Receiver == nil || *r.Receiver == "":
		if root {
			p.add(path+".receiver", "is required: name a contact point of notifications.contact_points")
		}
	case !receivers[*r.Receiver]:
		p.add(path+".receiver", "%q names no contact point of notifications.contact_points", *r.Receiver)
	default:
		rt.Receiver = *r.Receiver
	}
	if root && len(r.ObjectMatchers) > 0 {
		p.add(path+".object_matchers", "must be empty: the root policy matches every alert")
	}
	for i, m := range r.ObjectMatchers {
		mp := fmt.Sprintf("%s.object_matchers[%d]", path, i)
		if len(m) != 3 {
			p.add(mp, "must be [label, operator, value], e.g. [severity, \"=\", critical]")
			continue
		}
		if m[0] == "" {
			p.add(mp, "names no label")
			continue
		}
		if !slices.Contains(bundle.MatcherOperators(), m[1]) {
			p.add(mp, "operator %q must be one of %s", m[1], strings.Join(bundle.MatcherOperators(), " "))
			continue
		}
		rt.Matchers = append(rt.Matchers, [3]string{m[0], m[1], m[2]})
	}
	for i, l := range r.GroupBy {
		if strings.TrimSpace(l) == "" {
			p.add(fmt.Sprintf("%s.group_by[%d]", path, i), "is empty")
		}
	}
	rt.GroupBy = r.GroupBy
	rt.GroupWait = p.optionalDuration(path+".group_wait", r.GroupWait)
	rt.GroupInterval = p.optionalDuration(path+".group_interval", r.GroupInterval)
	rt.RepeatInterval = p.optionalDuration(path+".repeat_interval", r.RepeatInterval)
	if r.Continue != nil {
		if root {
			p.add(path+".continue", "must not be set on the root policy")
		}
		rt.Continue = *r.Continue
	}
	for i, child := range r.Routes {
		rt.Routes = append(rt.Routes, child.validate(p, fmt.Sprintf("%s.routes[%d]", path, i), receivers, false))
	}
	return rt
}

// optionalDuration returns 0 when the value is absent.
func (p *problems) optionalDuration(path string, v *string) time.Duration {
	if v == nil {
		return 0
	}
	return p.duration(path, v)
}
