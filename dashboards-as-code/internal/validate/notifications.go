package validate

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

type contactPoint struct {
	UID      string         `json:"uid"`
	Name     string         `json:"name"`
	Type     string         `json:"type"`
	Settings map[string]any `json:"settings"`
}

type route struct {
	Receiver string  `json:"receiver"`
	Routes   []route `json:"routes"`
}

// contactPoints checks the contact points and returns their names.
func (v *validator) contactPoints(file string, data []byte) map[string]bool {
	var cps []contactPoint
	if err := json.Unmarshal(data, &cps); err != nil {
		v.addf(file, "is not a JSON array of contact points: %v", err)
		return nil
	}
	names := map[string]bool{}
	uids := map[string]bool{}
	for i, cp := range cps {
		where := fmt.Sprintf("%s: contact point %d", file, i)
		if err := bundle.CheckUID(cp.UID); err != nil {
			v.addf(where, "uid %v", err)
		} else if uids[cp.UID] {
			v.addf(where, "uid %q is used by another contact point", cp.UID)
		}
		uids[cp.UID] = true
		if strings.TrimSpace(cp.Name) == "" {
			v.addf(where, "has no name")
		}
		names[cp.Name] = true
		if cp.Type == "" {
			v.addf(where, "has no type")
		}
		if len(cp.Settings) == 0 {
			v.addf(where, "has no settings")
		}
	}
	return names
}

// policy checks that every receiver of the tree is a generated contact point.
func (v *validator) policy(file string, data []byte, receivers map[string]bool) {
	var root route
	if err := json.Unmarshal(data, &root); err != nil {
		v.addf(file, "is not a notification policy: %v", err)
		return
	}
	if root.Receiver == "" {
		v.addf(file, "the root policy has no receiver")
	}
	var walk func(r route, where string)
	walk = func(r route, where string) {
		if r.Receiver != "" && !receivers[r.Receiver] {
			v.addf(where, "receiver %q is not a contact point of %s", r.Receiver, bundle.ContactPointsFile)
		}
		for i, child := range r.Routes {
			walk(child, fmt.Sprintf("%s.routes[%d]", where, i))
		}
	}
	walk(root, file+": policy")
}
