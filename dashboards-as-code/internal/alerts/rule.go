package alerts

import (
	"strconv"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/expr"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/grafana"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Severities, the value of every rule's severity label.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// AnnotationRunbookURL is the annotation WithRunbooks sets (the bundle's).
const AnnotationRunbookURL = bundle.AnnotationRunbookURL

// The refIds of every rule: A is the PromQL query, B reduces each series to
// its last value, C compares it with the threshold and is the condition.
const (
	refQuery     = "A"
	refReduce    = "B"
	refThreshold = "C"
)

// comparison is how a threshold expression compares B with its value.
type comparison = expr.ExprTypeThresholdConditionsEvaluatorType

const (
	above = expr.ExprTypeThresholdConditionsEvaluatorTypeGt
	below = expr.ExprTypeThresholdConditionsEvaluatorTypeLt
	// outsideBand holds when B is below -threshold or above threshold.
	outsideBand = expr.ExprTypeThresholdConditionsEvaluatorTypeOutsideRange
)

// spec describes one alert rule.
type spec struct {
	uid      string
	title    string
	severity string
	// query is an instant PromQL query, one series per alert instance.
	query string
	// lookback is the longest range the query reads; it becomes the query's
	// relative time range.
	lookback  time.Duration
	compare   comparison
	threshold float64
	pending   time.Duration
	// noData applies when the query returns nothing, or NaN for an instance;
	// execErr when the query fails. See docs/runbooks.md.
	noData      alerting.RuleNoDataState
	execErr     alerting.RuleExecErrState
	summary     string
	description string
	panelID     uint32
}

// build turns a spec into a Grafana-managed rule of a group in the Scanium
// folder.
func (s spec) build(group string) *alerting.RuleBuilder {
	return alerting.NewRuleBuilder(s.title).
		Uid(s.uid).
		RuleGroup(group).
		FolderUID(bundle.FolderUID).
		Queries([]cog.Builder[alerting.Query]{s.promQuery(), reduceLast(), s.thresholdExpr()}).
		Condition(refThreshold).
		For(formatDuration(s.pending)).
		NoDataState(s.noData).
		ExecErrState(s.execErr).
		IsPaused(false).
		Labels(map[string]string{bundle.LabelSeverity: s.severity}).
		Annotations(map[string]string{
			bundle.AnnotationSummary:     s.summary,
			bundle.AnnotationDescription: s.description,
			// The panel that shows the alert's signal.
			bundle.AnnotationDashboardUID: openairuntime.UID,
			bundle.AnnotationPanelID:      strconv.FormatUint(uint64(s.panelID), 10),
		})
}

func (s spec) promQuery() *alerting.QueryBuilder {
	return alerting.NewQueryBuilder(refQuery).
		DatasourceUid(bundle.MimirUID).
		RelativeTimeRange(alerting.Duration(s.lookback/time.Second), 0).
		Model(prometheus.NewDataqueryBuilder().
			RefId(refQuery).
			Datasource(grafana.Mimir()).
			Expr(s.query).
			Instant())
}

// reduceLast keeps the last value of each series and drops NaN: a NaN (0/0,
// a quantile without requests) makes that instance NoData.
func reduceLast() *alerting.QueryBuilder {
	return expressionQuery(refReduce, expr.NewExprBuilder().TypeReduce(
		expr.NewTypeReduceBuilder().
			RefId(refReduce).
			Datasource(expressionDatasource()).
			Expression(refQuery).
			Reducer(expr.TypeReduceReducerLast).
			Settings(expr.NewExprTypeReduceSettingsBuilder().Mode(expr.ExprTypeReduceSettingsModeDropNN))))
}

func (s spec) thresholdExpr() *alerting.QueryBuilder {
	return expressionQuery(refThreshold, expr.NewExprBuilder().TypeThreshold(
		expr.NewTypeThresholdBuilder().
			RefId(refThreshold).
			Datasource(expressionDatasource()).
			Expression(refReduce).
			Conditions([]cog.Builder[expr.ExprTypeThresholdConditions]{
				expr.NewExprTypeThresholdConditionsBuilder().
					Evaluator(expr.NewExprTypeThresholdConditionsEvaluatorBuilder().
						Type(s.compare).
						Params(s.thresholdParams())),
			})))
}

// thresholdParams are the threshold evaluator's parameters: the threshold,
// or the band from -threshold to threshold.
func (s spec) thresholdParams() []float64 {
	if s.compare == outsideBand {
		return []float64{-s.threshold, s.threshold}
	}
	return []float64{s.threshold}
}

func expressionQuery(refID string, model *expr.ExprBuilder) *alerting.QueryBuilder {
	return alerting.NewQueryBuilder(refID).
		DatasourceUid(bundle.ExpressionUID).
		RelativeTimeRange(0, 0).
		Model(model)
}

func expressionDatasource() common.DataSourceRef {
	return grafana.DatasourceRef(bundle.ExpressionUID, bundle.ExpressionUID)
}
