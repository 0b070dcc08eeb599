// Package artifact loads and checks the compiled artifacts that
// dashboards-as-code writes under generated/: one dashboard per file in
// dashboards/, one alert rule group per file in alerting/, and, when they
// are generated, alerting/contact-points.json and
// alerting/notification-policy.json.
//
// Load reads and checks every file on its own; Validate checks that they
// agree with each other and with what the provisioner manages (folder and
// datasource UIDs, unique rule UIDs, receivers that exist). Both report
// every problem at once, with the file and the place in it.
package artifact

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Dashboard is one dashboard in the classic JSON model.
type Dashboard struct {
	// File is the path relative to the bundle directory.
	File  string
	UID   string
	Title string
	// Model is the dashboard JSON as generic values (numbers are
	// json.Number, so nothing is lost on the way to Grafana).
	Model map[string]any
}

// RuleGroup is one alert rule group in the provisioning API's format.
type RuleGroup struct {
	File  string
	Group *models.AlertRuleGroup
}

// Key identifies the group in Grafana: folder UID and title.
func (g RuleGroup) Key() string { return g.Group.FolderUID + "/" + g.Group.Title }

// Bundle is every artifact of one directory.
type Bundle struct {
	Dir        string
	Dashboards []Dashboard // sorted by UID
	RuleGroups []RuleGroup // sorted by Key
	// ContactPoints is nil when contact-points.json is not generated.
	ContactPoints []*models.EmbeddedContactPoint
	// ContactPointsFile is set when contact-points.json exists.
	ContactPointsFile string
	// Policy is nil when notification-policy.json is not generated.
	Policy     *models.Route
	PolicyFile string
}

// Empty reports whether the bundle holds neither dashboards nor rules.
func (b *Bundle) Empty() bool { return len(b.Dashboards) == 0 && len(b.RuleGroups) == 0 }

// Load reads every artifact under dir and checks each file on its own. The
// dashboards directory must exist (it tells a wrong -dir from an empty
// bundle); alerting is optional. Each artifact must be a regular file (or
// a symlink to one) of at most MaxArtifactBytes. Problems come back as
// *Error.
func Load(dir string) (*Bundle, error) {
	info, err := os.Stat(filepath.Join(dir, bundle.DashboardsDir))
	if err != nil || !info.IsDir() {
		return nil, fmt.Errorf("%s has no %s/ directory: point -dir at the generated artifacts (run make generate first)", dir, bundle.DashboardsDir)
	}
	b := &Bundle{Dir: dir}
	var list []Problem

	files, err := jsonFiles(dir, bundle.DashboardsDir)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		raw, err := readArtifact(dir, f)
		if err != nil {
			problems{&list, f}.add("", "%v", err)
			continue
		}
		if d, ok := loadDashboard(f, raw, problems{&list, f}); ok {
			b.Dashboards = append(b.Dashboards, d)
		}
	}

	files, err = jsonFiles(dir, bundle.AlertingDir)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		p := problems{&list, f}
		raw, err := readArtifact(dir, f)
		if err != nil {
			p.add("", "%v", err)
			continue
		}
		switch bundle.KindOf(f) {
		case bundle.ContactPointsKind:
			b.ContactPointsFile = f
			b.ContactPoints = loadContactPoints(raw, p)
		case bundle.NotificationPolicyKind:
			b.PolicyFile = f
			b.Policy = loadPolicy(raw, p)
		default:
			if g, ok := loadRuleGroup(raw, p); ok {
				b.RuleGroups = append(b.RuleGroups, RuleGroup{File: f, Group: g})
			}
		}
	}

	sort.Slice(b.Dashboards, func(i, j int) bool { return b.Dashboards[i].UID < b.Dashboards[j].UID })
	sort.Slice(b.RuleGroups, func(i, j int) bool { return b.RuleGroups[i].Key() < b.RuleGroups[j].Key() })
	if len(list) > 0 {
		return nil, &Error{Problems: list}
	}
	return b, nil
}

// jsonFiles lists the *.json files directly under dir/sub, as slash paths
// relative to dir, sorted. A missing sub directory has none.
func jsonFiles(dir, sub string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list artifacts: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		out = append(out, sub+"/"+name)
	}
	sort.Strings(out)
	return out, nil
}
