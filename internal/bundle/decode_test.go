package bundle_test

import (
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

func TestDecodeDashboard(t *testing.T) {
	d, err := bundle.DecodeDashboard([]byte(`{"uid": "u", "title": "T", "unknown": 1,
		"panels": [{"id": 1, "type": "row", "panels": [{"id": 2, "type": "timeseries",
			"datasource": {"type": "prometheus", "uid": "mimir"},
			"targets": [{"refId": "A", "expr": "up"}, {"refId": "B", "datasource": {"type": "loki", "uid": "loki"}}]}]}],
		"templating": {"list": [{"name": "a", "query": "label_values(up, job)"}, {"name": "b", "query": {"query": "q"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.UID != "u" || d.Title != "T" || d.HasID() || len(d.Panels) != 1 || !d.Panels[0].IsRow() {
		t.Fatalf("decoded %+v", d)
	}
	p := d.Panels[0].Panels[0]
	if ds := p.TargetDatasource(p.Targets[0]); ds.UID != bundle.MimirUID {
		t.Errorf("target A queries %+v, want its panel's datasource", ds)
	}
	if ds := p.TargetDatasource(p.Targets[1]); ds.UID != bundle.LokiUID {
		t.Errorf("target B queries %+v, want its own datasource", ds)
	}
	for i, want := range []string{"label_values(up, job)", "q"} {
		if got, err := d.Templating.List[i].QueryText(); err != nil || got != want {
			t.Errorf("variable %d query = %q, %v; want %q", i, got, err, want)
		}
	}
	for raw, has := range map[string]bool{`{"id": null}`: false, `{}`: false, `{"id": 3}`: true} {
		d, err := bundle.DecodeDashboard([]byte(raw))
		if err != nil || d.HasID() != has {
			t.Errorf("%s: HasID %v, %v; want %v", raw, d.HasID(), err, has)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := bundle.DecodeDashboard([]byte(`{} {}`)); err == nil || !strings.Contains(err.Error(), "more than one JSON value") {
		t.Errorf("two documents: %v", err)
	}
	if _, err := bundle.DecodeRuleGroup([]byte(`{"interval": "1m"}`)); err == nil || !strings.Contains(err.Error(), "decode rule group") {
		t.Errorf("a string interval: %v", err)
	}
	v := bundle.Variable{Name: "x", Query: []byte(`3`)}
	if _, err := v.QueryText(); err == nil || !strings.Contains(err.Error(), "variable x") {
		t.Errorf("a numeric variable query: %v", err)
	}
}

func TestDecodeRuleGroup(t *testing.T) {
	g, err := bundle.DecodeRuleGroup([]byte(`{"title": "g", "folderUid": "scanium", "interval": 60, "rules": [{"uid": "r",
		"noDataState": "OK", "execErrState": "Error", "data": [{"refId": "A", "datasourceUid": "mimir",
		"relativeTimeRange": {"from": 600, "to": 0}, "model": {"expr": "up", "instant": true}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if g.Title != "g" || g.FolderUID != bundle.FolderUID || len(g.Rules) != 1 || g.Rules[0].Data[0].RelativeTimeRange.From != 600 || !g.Rules[0].Data[0].Model.Instant {
		t.Errorf("decoded %+v", g)
	}
}
