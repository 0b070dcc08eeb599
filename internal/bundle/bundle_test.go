package bundle_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bundle.Kind
	}{
		{"dashboards/scanium-openai-runtime.json", bundle.DashboardFile},
		{"alerting/openai-errors.json", bundle.RuleGroupFile},
		{"alerting/contact-points.json", bundle.ContactPointsKind},
		{"alerting/notification-policy.json", bundle.NotificationPolicyKind},
		{"dashboards/notes.txt", bundle.Unknown},
		{"notes.json", bundle.Unknown},
		{"dashboards/nested/x.json", bundle.Unknown},
		{"other/x.json", bundle.Unknown},
	} {
		if got := bundle.KindOf(tc.path); got != tc.want {
			t.Errorf("KindOf(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// The paths the generator writes are the ones the readers classify.
func TestPathsAreInTheLayout(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bundle.Kind
	}{
		{bundle.DashboardPath(bundle.OpenAIRuntimeDashboardUID), bundle.DashboardFile},
		{bundle.RuleGroupPath("openai-errors"), bundle.RuleGroupFile},
		{bundle.ContactPointsPath, bundle.ContactPointsKind},
		{bundle.NotificationPolicyPath, bundle.NotificationPolicyKind},
	} {
		if got := bundle.KindOf(tc.path); got != tc.want {
			t.Errorf("%s is a %v, want a %v", tc.path, got, tc.want)
		}
		if dir := strings.Split(tc.path, "/")[0]; !strings.Contains(strings.Join(bundle.Dirs(), " "), dir) {
			t.Errorf("%s is outside the layout's directories %v", tc.path, bundle.Dirs())
		}
	}
	if got := bundle.DashboardPath("x"); got != "dashboards/x.json" {
		t.Errorf("DashboardPath(x) = %s", got)
	}
}

func TestValidUID(t *testing.T) {
	for uid, want := range map[string]bool{
		"a_b-C9":                         true,
		strings.Repeat("x", 40):          true,
		strings.Repeat("x", 41):          false,
		"":                               false,
		"has space":                      false,
		"dot.ted":                        false,
		"ünicode":                        false,
		"${datasource}":                  false,
		bundle.MimirUID:                  true,
		bundle.FolderUID:                 true,
		bundle.ExpressionUID:             true,
		bundle.OpenAIRuntimeDashboardUID: true,
	} {
		if got := bundle.ValidUID(uid); got != want {
			t.Errorf("ValidUID(%q) = %v, want %v", uid, got, want)
		}
		if err := bundle.CheckUID(uid); (err == nil) != want {
			t.Errorf("CheckUID(%q) = %v, want valid %v", uid, err, want)
		} else if err != nil && !strings.Contains(err.Error(), bundle.UIDRule) {
			t.Errorf("CheckUID(%q) = %v: the message should say the rule (%s)", uid, err, bundle.UIDRule)
		}
	}
}

func TestCheckStates(t *testing.T) {
	for _, s := range bundle.NoDataStates() {
		if err := bundle.CheckNoDataState(s); err != nil {
			t.Errorf("noDataState %s: %v", s, err)
		}
	}
	for _, s := range bundle.ExecErrStates() {
		if err := bundle.CheckExecErrState(s); err != nil {
			t.Errorf("execErrState %s: %v", s, err)
		}
	}
	// Each state of its own belongs to one list only.
	if bundle.CheckNoDataState(bundle.StateError) == nil || bundle.CheckExecErrState(bundle.StateNoData) == nil {
		t.Error("Error is an execErrState only and NoData a noDataState only")
	}
	err := bundle.CheckNoDataState("Maybe")
	if err == nil || err.Error() != `"Maybe": must be one of Alerting, NoData, OK, KeepLast` {
		t.Errorf("CheckNoDataState(Maybe) = %v, want the value and the options", err)
	}
	if err := bundle.CheckExecErrState(""); err == nil {
		t.Error("an empty execErrState passes")
	}
}

func TestCheckFolderAndInterval(t *testing.T) {
	if err := bundle.CheckFolderUID(bundle.FolderUID); err != nil {
		t.Error(err)
	}
	if err := bundle.CheckFolderUID("general"); err == nil || !strings.Contains(err.Error(), strconv.Quote(bundle.FolderUID)) {
		t.Errorf("CheckFolderUID(general) = %v, want one that names the folder", err)
	}
	for seconds, ok := range map[int64]bool{10: true, 60: true, 0: false, -10: false, 45: false} {
		if err := bundle.CheckInterval(seconds); (err == nil) != ok {
			t.Errorf("CheckInterval(%d) = %v, want valid %v", seconds, err, ok)
		}
	}
}

func TestCheckFileNames(t *testing.T) {
	if err := bundle.CheckDashboardFile(bundle.DashboardPath("a"), "a"); err != nil {
		t.Error(err)
	}
	if err := bundle.CheckDashboardFile("dashboards/b.json", "a"); err == nil || !strings.Contains(err.Error(), "name the file a.json") {
		t.Errorf("a dashboard with uid a in b.json: %v", err)
	}
	if err := bundle.CheckRuleGroupFile(bundle.RuleGroupPath("g"), "g"); err != nil {
		t.Error(err)
	}
	if err := bundle.CheckRuleGroupFile("alerting/h.json", "g"); err == nil || !strings.Contains(err.Error(), "name the file g.json") {
		t.Errorf("group g in h.json: %v", err)
	}
	// A group named like a notification file would be read as one.
	title := strings.TrimSuffix(bundle.ContactPointsFile, ".json")
	if err := bundle.CheckRuleGroupFile(bundle.RuleGroupPath(title), title); err == nil {
		t.Errorf("a rule group titled %s passes", title)
	}
}

func TestIdentities(t *testing.T) {
	uids, names := bundle.DatasourceUIDs(), bundle.DatasourceNames()
	if len(uids) != 3 || len(names) != len(uids) {
		t.Fatalf("datasources %v named %v: want Mimir, Loki and Tempo", uids, names)
	}
	for i, uid := range uids {
		if !bundle.IsDatasourceUID(uid) || !bundle.IsDatasourceName(names[i]) || bundle.CheckUID(uid) != nil {
			t.Errorf("datasource %s (%s) is not recognised", uid, names[i])
		}
	}
	for _, other := range []string{bundle.ExpressionUID, "", "prometheus", "Mimir"} {
		if bundle.IsDatasourceUID(other) {
			t.Errorf("%q is taken for a managed datasource uid", other)
		}
	}
}

// Every part of the module imports the bundle and internal/signals: the
// bundle depends on the standard library only, signals on nothing.
func TestLeafPackagesStayLeaves(t *testing.T) {
	for dir, allowed := range map[string]func(path string) bool{
		".":          func(p string) bool { return !strings.Contains(strings.Split(p, "/")[0], ".") },
		"../signals": func(string) bool { return false },
	} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		fset := token.NewFileSet()
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); !allowed(p) {
					t.Errorf("%s imports %s: a leaf package every part of the module imports must not", f, p)
				}
			}
		}
	}
}
