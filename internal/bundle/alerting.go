package bundle

// What Grafana's alerting provisioning takes of the alerting artifacts: the
// state options of a rule, the label and annotation keys the generator
// writes and the readers look for, the contact point types and the
// matcher operators of a notification policy.

// The options of a rule's noDataState and execErrState.
const (
	// StateAlerting fires the alert.
	StateAlerting = "Alerting"
	// StateNoData (noDataState only) and StateError (execErrState only) put
	// the rule in a state of its own.
	StateNoData = "NoData"
	StateError  = "Error"
	// StateOK treats the evaluation as normal.
	StateOK = "OK"
	// StateKeepLast keeps the state the rule had before.
	StateKeepLast = "KeepLast"
)

// NoDataStates are the options Grafana takes for a rule's noDataState: what
// the rule becomes when its query returns no data.
func NoDataStates() []string { return []string{StateAlerting, StateNoData, StateOK, StateKeepLast} }

// ExecErrStates are the options Grafana takes for a rule's execErrState:
// what the rule becomes when its evaluation fails.
func ExecErrStates() []string { return []string{StateAlerting, StateError, StateOK, StateKeepLast} }

// Keys of an alert rule's labels and annotations that the artifacts and
// their readers share.
const (
	// AnnotationDashboardUID and AnnotationPanelID link an alert to the
	// panel that shows its signal: Grafana's own annotations.
	AnnotationDashboardUID = "__dashboardUid__"
	AnnotationPanelID      = "__panelId__"
	// AnnotationRunbookURL links an alert to its runbook section.
	AnnotationRunbookURL = "runbook_url"
	// AnnotationSummary and AnnotationDescription say what fires.
	AnnotationSummary     = "summary"
	AnnotationDescription = "description"
	// LabelSeverity is warning or critical.
	LabelSeverity = "severity"
)

// ContactPointTypes are the contact point integrations Grafana 11 and 12
// provide.
func ContactPointTypes() []string {
	return []string{
		"alertmanager", "dingding", "discord", "email", "googlechat", "jira", "kafka", "line", "mqtt",
		"oncall", "opsgenie", "pagerduty", "pushover", "sensugo", "slack", "sns", "teams", "telegram",
		"threema", "victorops", "webex", "webhook", "wecom",
	}
}

// MatcherOperators are the operators of a notification policy's object
// matcher ([label, operator, value]).
func MatcherOperators() []string { return []string{"=", "!=", "=~", "!~"} }
