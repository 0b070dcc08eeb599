package bundle

// The typed decoding of the artifacts: the parts of Grafana's dashboard JSON
// model and of its alerting provisioning format that the validation, the
// query extraction and the alert tests read. It keeps every field that
// matters to them and ignores the rest.

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Dashboard is a classic dashboard JSON model.
type Dashboard struct {
	ID         json.RawMessage `json:"id"`
	UID        string          `json:"uid"`
	Title      string          `json:"title"`
	Panels     []Panel         `json:"panels"`
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
}

// Panel is a panel or a row; a collapsed row holds its panels.
type Panel struct {
	ID         *int           `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource *DatasourceRef `json:"datasource"`
	GridPos    *GridPos       `json:"gridPos"`
	Targets    []Target       `json:"targets"`
	Panels     []Panel        `json:"panels"`
}

// HasID reports whether the dashboard carries an id (not absent, not null).
func (d Dashboard) HasID() bool { return len(d.ID) > 0 && string(d.ID) != "null" }

// IsRow tells a row from a panel.
func (p Panel) IsRow() bool { return p.Type == "row" }

// GridPos is a panel's place on the 24-column grid.
type GridPos struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// DatasourceRef names a datasource by type and uid.
type DatasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Target is a panel query: PromQL or LogQL in expr, TraceQL in query.
type Target struct {
	RefID      string         `json:"refId"`
	Expr       string         `json:"expr"`
	Query      string         `json:"query"`
	Instant    bool           `json:"instant"`
	Datasource *DatasourceRef `json:"datasource"`
}

// TargetDatasource is the datasource a target queries: its own, else its
// panel's.
func (p Panel) TargetDatasource(t Target) *DatasourceRef {
	if t.Datasource != nil && (t.Datasource.Type != "" || t.Datasource.UID != "") {
		return t.Datasource
	}
	return p.Datasource
}

// Variable is a dashboard template variable.
type Variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *DatasourceRef  `json:"datasource"`
}

// QueryText is a variable's query: a string, or the query field of an
// object as newer Grafana versions store it.
func (v Variable) QueryText() (string, error) {
	if len(v.Query) == 0 {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v.Query, &s); err == nil {
		return s, nil
	}
	var obj struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(v.Query, &obj); err != nil {
		return "", fmt.Errorf("variable %s: query is neither a string nor an object with a query: %w", v.Name, err)
	}
	return obj.Query, nil
}

// RuleGroup is the body of PUT /api/v1/provisioning/folder/{uid}/rule-groups/{group}.
type RuleGroup struct {
	Title     string `json:"title"`
	FolderUID string `json:"folderUid"`
	Interval  int64  `json:"interval"`
	Rules     []Rule `json:"rules"`
}

// Rule is a Grafana-managed alert rule as the provisioning API gives it.
type Rule struct {
	UID          string            `json:"uid"`
	Title        string            `json:"title"`
	RuleGroup    string            `json:"ruleGroup"`
	FolderUID    string            `json:"folderUID"`
	Condition    string            `json:"condition"`
	Data         []Query           `json:"data"`
	NoDataState  string            `json:"noDataState"`
	ExecErrState string            `json:"execErrState"`
	For          string            `json:"for"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	IsPaused     *bool             `json:"isPaused"`
}

// Query is one query or expression of a rule.
type Query struct {
	RefID             string             `json:"refId"`
	RelativeTimeRange *RelativeTimeRange `json:"relativeTimeRange"`
	DatasourceUID     string             `json:"datasourceUid"`
	Model             QueryModel         `json:"model"`
}

// RelativeTimeRange is in seconds before the evaluation time.
type RelativeTimeRange struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// QueryModel holds the fields of PromQL queries and of reduce and threshold
// expressions.
type QueryModel struct {
	RefID string `json:"refId"`
	// PromQL query.
	Expr    string `json:"expr"`
	Instant bool   `json:"instant"`
	// Expressions.
	Type       string `json:"type"`
	Expression string `json:"expression"`
	Reducer    string `json:"reducer"`
	Settings   *struct {
		Mode             string   `json:"mode"`
		ReplaceWithValue *float64 `json:"replaceWithValue"`
	} `json:"settings"`
	Conditions []struct {
		Evaluator struct {
			Type   string    `json:"type"`
			Params []float64 `json:"params"`
		} `json:"evaluator"`
	} `json:"conditions"`
}

// DecodeDashboard decodes a dashboard artifact.
func DecodeDashboard(data []byte) (Dashboard, error) {
	var d Dashboard
	if err := decode(data, &d); err != nil {
		return Dashboard{}, fmt.Errorf("decode dashboard: %w", err)
	}
	return d, nil
}

// DecodeRuleGroup decodes a rule group artifact.
func DecodeRuleGroup(data []byte) (RuleGroup, error) {
	var g RuleGroup
	if err := decode(data, &g); err != nil {
		return RuleGroup{}, fmt.Errorf("decode rule group: %w", err)
	}
	return g, nil
}

func decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}
