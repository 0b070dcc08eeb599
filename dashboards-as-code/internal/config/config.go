// Package config loads and validates dashboards-as-code/config.yaml: the one
// reviewed file that holds the alert thresholds, the daily budget, the OpenAI
// price table and the optional notification settings.
//
// Every value is required unless documented as optional. Load reports every
// missing or bad value at once, each on its own line and named by its path in
// the file (`config.yaml: alerts.error_rate.warning_percent: must be > 0`).
package config

import (
	"strconv"
	"time"
)

// Config is a loaded and validated configuration.
type Config struct {
	// RunbookURL is where the runbooks document is rendered; each alert's
	// runbook_url is this URL plus the anchor of the alert's section.
	RunbookURL string
	Alerts     Alerts
	Pricing    Pricing
	SLOs       SLOs
	// Notifications is nil when the file has no notifications section: then
	// no contact point or notification policy artifact is generated.
	Notifications *Notifications
}

// Alerts holds the thresholds of every alert rule.
type Alerts struct {
	// EvaluationInterval is how often Grafana evaluates every rule group.
	EvaluationInterval time.Duration
	ErrorRate          ErrorRate
	Latency            Latency
	RateLimitHeadroom  RateLimitHeadroom
	Budget             Budget
	UnpricedModel      UnpricedModel
	Reconciliation     Reconciliation
}

// ErrorRate configures OpenAIHighErrorRate and OpenAIHighErrorRateCritical.
type ErrorRate struct {
	// Window is the range over which errors / requests is computed.
	Window time.Duration
	For    time.Duration
	// WarningPercent and CriticalPercent are error percentages (0-100).
	WarningPercent  float64
	CriticalPercent float64
}

// Latency configures OpenAIHighLatency.
type Latency struct {
	Window time.Duration
	For    time.Duration
	// Quantile is the latency quantile compared with ThresholdSeconds (0.95
	// for p95).
	Quantile         float64
	ThresholdSeconds float64
}

// RateLimitHeadroom configures OpenAIRateLimitHeadroomLow.
type RateLimitHeadroom struct {
	// MinPercent: the rule fires when remaining / limit falls below it.
	MinPercent float64
	For        time.Duration
	// TrafficWindow: only models that sent requests within it are
	// considered, since the gauges keep their last value when traffic stops.
	TrafficWindow time.Duration
}

// Budget configures OpenAIDailyBudgetNearlySpent and OpenAIDailyBudgetExceeded.
type Budget struct {
	// DailyUSD is the spend allowed over the rolling last 24 hours.
	DailyUSD float64
	// WarningPercent of DailyUSD fires the warning.
	WarningPercent float64
	For            time.Duration
}

// WarningUSD is the spend that fires the budget warning.
func (b Budget) WarningUSD() float64 { return b.DailyUSD * b.WarningPercent / 100 }

// UnpricedModel configures OpenAIUnpricedModel.
type UnpricedModel struct {
	// Window: a model without a price that used tokens within it fires.
	Window time.Duration
	For    time.Duration
}

// Reconciliation configures OpenAIBillingMismatch: the estimated spend of
// the last complete UTC day against what OpenAI billed for it.
type Reconciliation struct {
	// MaxGapPercent: the rule fires when the estimate differs from the bill
	// by more than this share of the bill, either way.
	MaxGapPercent float64
	For           time.Duration
}

// SLOs holds the service level objectives of the backend's OpenAI calls,
// all models together, and their burn-rate alerts.
type SLOs struct {
	Availability Objective
	Latency      LatencyObjective
}

// Objective is a target share of good calls over a rolling window.
type Objective struct {
	// TargetPercent is the share of good calls the objective promises
	// (99 for 99 %), below 100.
	TargetPercent float64
	// Window is the rolling window the target holds over (30d).
	Window time.Duration
}

// ErrorBudget is the share of calls that may be bad, as a ratio: 0.01 for a
// target of 99 %. It is rounded to 12 significant digits so that a target
// such as 99.9 gives 0.001, not 100 − 99.9's binary remainder.
func (o Objective) ErrorBudget() float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat((100-o.TargetPercent)/100, 'g', 12, 64), 64)
	return v
}

// LatencyObjective is the latency objective: the share of calls faster than
// ThresholdSeconds.
type LatencyObjective struct {
	Objective
	// ThresholdSeconds is a bucket boundary of both histograms the objective
	// reads (LatencyBoundaries).
	ThresholdSeconds float64
}

// Pricing is the price table used to estimate spend.
type Pricing struct {
	// Models is sorted by model name.
	Models []ModelPrice
}

// ModelPrice is the list price of one model, in USD per million tokens. It
// prices the model of its name and the model's dated snapshots
// (gpt-4o-mini-2024-07-18 for gpt-4o-mini) that have no line of their own.
type ModelPrice struct {
	Model              string
	InputUSDPerMillion float64
	// CachedInputUSDPerMillion is the price of an input token read from
	// OpenAI's prompt cache, instead of InputUSDPerMillion; at most that.
	CachedInputUSDPerMillion float64
	// OutputUSDPerMillion prices output tokens, reasoning tokens included.
	OutputUSDPerMillion float64
}

// Notifications holds the optional contact points and notification policy.
type Notifications struct {
	// ContactPoints is empty when none is configured.
	ContactPoints []ContactPoint
	// Policy is nil when no notification policy is configured.
	Policy *Route
}

// ContactPoint is a Grafana contact point (one integration).
type ContactPoint struct {
	UID  string
	Name string
	// Type is a Grafana integration type such as email, slack or webhook.
	Type string
	// Settings are the integration's settings, as Grafana's provisioning API
	// takes them. Secret values are `${ENV_VAR}` references, never literals.
	Settings              map[string]any
	DisableResolveMessage bool
}

// Route is a node of the notification policy tree; the root has no matchers.
type Route struct {
	Receiver string
	// Matchers are [label, operator, value] triples (operators =, !=, =~, !~).
	Matchers       [][3]string
	GroupBy        []string
	GroupWait      time.Duration
	GroupInterval  time.Duration
	RepeatInterval time.Duration
	Continue       bool
	Routes         []Route
}
