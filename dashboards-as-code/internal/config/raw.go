package config

// The raw types mirror config.yaml. Pointers tell a missing value from a zero
// one; validate turns them into the Config types or records problems.

type rawConfig struct {
	RunbookURL    *string           `yaml:"runbook_url"`
	Alerts        *rawAlerts        `yaml:"alerts"`
	Pricing       *rawPricing       `yaml:"pricing"`
	SLOs          *rawSLOs          `yaml:"slos"`
	Notifications *rawNotifications `yaml:"notifications"`
}

type rawAlerts struct {
	EvaluationInterval *string               `yaml:"evaluation_interval"`
	ErrorRate          *rawErrorRate         `yaml:"error_rate"`
	Latency            *rawLatency           `yaml:"latency"`
	RateLimitHeadroom  *rawRateLimitHeadroom `yaml:"rate_limit_headroom"`
	Budget             *rawBudget            `yaml:"budget"`
	UnpricedModel      *rawUnpricedModel     `yaml:"unpriced_model"`
	Reconciliation     *rawReconciliation    `yaml:"reconciliation"`
}

type rawErrorRate struct {
	Window          *string  `yaml:"window"`
	For             *string  `yaml:"for"`
	WarningPercent  *float64 `yaml:"warning_percent"`
	CriticalPercent *float64 `yaml:"critical_percent"`
}

type rawLatency struct {
	Window           *string  `yaml:"window"`
	For              *string  `yaml:"for"`
	Quantile         *float64 `yaml:"quantile"`
	ThresholdSeconds *float64 `yaml:"threshold_seconds"`
}

type rawRateLimitHeadroom struct {
	MinPercent    *float64 `yaml:"min_percent"`
	For           *string  `yaml:"for"`
	TrafficWindow *string  `yaml:"traffic_window"`
}

type rawBudget struct {
	DailyUSD       *float64 `yaml:"daily_usd"`
	WarningPercent *float64 `yaml:"warning_percent"`
	For            *string  `yaml:"for"`
}

type rawUnpricedModel struct {
	Window *string `yaml:"window"`
	For    *string `yaml:"for"`
}

type rawReconciliation struct {
	MaxGapPercent *float64 `yaml:"max_gap_percent"`
	For           *string  `yaml:"for"`
}

type rawSLOs struct {
	Availability *rawAvailabilitySLO `yaml:"availability"`
	Latency      *rawLatencySLO      `yaml:"latency"`
}

type rawAvailabilitySLO struct {
	TargetPercent *float64 `yaml:"target_percent"`
	Window        *string  `yaml:"window"`
}

type rawLatencySLO struct {
	TargetPercent    *float64 `yaml:"target_percent"`
	ThresholdSeconds *float64 `yaml:"threshold_seconds"`
	Window           *string  `yaml:"window"`
}

type rawPricing struct {
	USDPerMillionTokens map[string]*rawPrice `yaml:"usd_per_million_tokens"`
}

type rawPrice struct {
	Input       *float64 `yaml:"input"`
	CachedInput *float64 `yaml:"cached_input"`
	Output      *float64 `yaml:"output"`
}

type rawNotifications struct {
	ContactPoints []rawContactPoint `yaml:"contact_points"`
	Policy        *rawRoute         `yaml:"policy"`
}

type rawContactPoint struct {
	UID                   *string        `yaml:"uid"`
	Name                  *string        `yaml:"name"`
	Type                  *string        `yaml:"type"`
	Settings              map[string]any `yaml:"settings"`
	DisableResolveMessage *bool          `yaml:"disable_resolve_message"`
}

type rawRoute struct {
	Receiver       *string    `yaml:"receiver"`
	ObjectMatchers [][]string `yaml:"object_matchers"`
	GroupBy        []string   `yaml:"group_by"`
	GroupWait      *string    `yaml:"group_wait"`
	GroupInterval  *string    `yaml:"group_interval"`
	RepeatInterval *string    `yaml:"repeat_interval"`
	Continue       *bool      `yaml:"continue"`
	Routes         []rawRoute `yaml:"routes"`
}
