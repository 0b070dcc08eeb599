package openairuntime

// Panel ids are fixed so that alert rules can link to their panel
// (__panelId__) and links survive a change of layout. Each row owns a decade.
const (
	rowOverview uint32 = 1
	// PanelRequestRateStat shows requests per second.
	PanelRequestRateStat uint32 = 2
	// PanelLatencyStat shows the alerting latency quantile (p95).
	PanelLatencyStat uint32 = 3
	// PanelErrorPercentStat shows the share of failed requests.
	PanelErrorPercentStat uint32 = 4
	// PanelTokensStat shows input plus output tokens per minute.
	PanelTokensStat uint32 = 5

	rowRequests uint32 = 10
	// PanelRequestRateTimeseries shows requests per second by model and status.
	PanelRequestRateTimeseries uint32 = 11
	// PanelErrorsByTypeTimeseries shows failed requests by error type.
	PanelErrorsByTypeTimeseries uint32 = 12
	// PanelErrorPercentTimeseries shows the error percentage by model.
	PanelErrorPercentTimeseries uint32 = 13

	rowLatency uint32 = 20
	// PanelLatencyPercentilesTimeseries shows p50, p95 and p99 latency.
	PanelLatencyPercentilesTimeseries uint32 = 21
	// PanelLatencyByModelTimeseries shows the alerting latency quantile by model.
	PanelLatencyByModelTimeseries uint32 = 22
	// PanelFirstTokenTimeseries shows streamed calls' time to first token,
	// p50, p95 and p99 by model.
	PanelFirstTokenTimeseries uint32 = 23

	rowTokens uint32 = 30
	// PanelTokensByTypeTimeseries shows tokens per minute by token type.
	PanelTokensByTypeTimeseries uint32 = 31
	// PanelTokensByModelTimeseries shows tokens per minute by model.
	PanelTokensByModelTimeseries uint32 = 32
	// PanelCacheHitTimeseries shows the prompt cache's hit ratio by model.
	PanelCacheHitTimeseries uint32 = 33
	// PanelReasoningShareTimeseries shows the reasoning share of output
	// tokens by model.
	PanelReasoningShareTimeseries uint32 = 34

	rowRateLimits uint32 = 40
	// PanelRemainingRequestsTimeseries shows requests left in the window.
	PanelRemainingRequestsTimeseries uint32 = 41
	// PanelRemainingTokensTimeseries shows tokens left in the window.
	PanelRemainingTokensTimeseries uint32 = 42
	// PanelHeadroomTimeseries shows remaining / limit by model and limit type.
	PanelHeadroomTimeseries uint32 = 43
	// PanelResetTimeseries shows the time until the windows reset.
	PanelResetTimeseries uint32 = 44

	rowCost uint32 = 50
	// PanelSpendTodayStat shows the estimated spend of the last 24 hours.
	PanelSpendTodayStat uint32 = 51
	// PanelSpendTodayByModelBarGauge shows it by model.
	PanelSpendTodayByModelBarGauge uint32 = 52
	// PanelSpendPerHourTimeseries shows the estimated spend per hour by model.
	PanelSpendPerHourTimeseries uint32 = 53
	// PanelUnpricedTokensTimeseries shows tokens of models without a price.
	PanelUnpricedTokensTimeseries uint32 = 54
	// PanelEstimateVsBillTimeseries shows the estimate of each complete UTC
	// day beside OpenAI's bill of it.
	PanelEstimateVsBillTimeseries uint32 = 55
	// PanelBillingGapTimeseries shows how far the estimate is from the
	// bill, in percent of the bill.
	PanelBillingGapTimeseries uint32 = 56
	// PanelBilledTokensTable compares the tokens OpenAI counted with the
	// backend's, by model and token type.
	PanelBilledTokensTable uint32 = 57

	rowAPI uint32 = 60
	// PanelAPIRequestRateTimeseries shows the API's requests per second by
	// route and status code.
	PanelAPIRequestRateTimeseries uint32 = 61
	// PanelAPILatencyByRouteTimeseries shows the API's p95 latency by route.
	PanelAPILatencyByRouteTimeseries uint32 = 62
	// PanelAPIClientErrorsTimeseries shows the API's 4xx answers by status
	// code and route.
	PanelAPIClientErrorsTimeseries uint32 = 63
	// PanelAPIServerErrorsTimeseries shows the API's 5xx answers by status
	// code and route.
	PanelAPIServerErrorsTimeseries uint32 = 64

	rowLogsAndTraces uint32 = 70
	// PanelErrorLogs shows the backend's ERROR and WARN log lines (Loki).
	PanelErrorLogs uint32 = 71
	// PanelFailedCallsTable lists the failed OpenAI calls (Tempo).
	PanelFailedCallsTable uint32 = 72
	// PanelSlowestCallsTable lists the OpenAI calls, slowest first (Tempo).
	PanelSlowestCallsTable uint32 = 73
)

// The SLO row owns two decades: the availability objective's panels, then
// the latency objective's, each its target, its compliance and budget
// remaining over its window, and its burn rate over the long window of each
// burn-rate alert (config.BurnRateWindows: 1h, 6h, 3d).
const (
	rowSLO uint32 = 80

	PanelAvailabilityTargetStat     uint32 = 81
	PanelAvailabilityComplianceStat uint32 = 82
	PanelAvailabilityBudgetStat     uint32 = 83

	PanelLatencyTargetStat     uint32 = 91
	PanelLatencyComplianceStat uint32 = 92
	PanelLatencyBudgetStat     uint32 = 93
)

// AvailabilityBurnRatePanels are the availability objective's burn-rate
// stats, one per burn-rate alert, in the order of config.BurnRateWindows.
func AvailabilityBurnRatePanels() []uint32 { return []uint32{84, 85, 86} }

// LatencyBurnRatePanels are the latency objective's burn-rate stats, one
// per burn-rate alert, in the order of config.BurnRateWindows.
func LatencyBurnRatePanels() []uint32 { return []uint32{94, 95, 96} }

// QuietPanels lists the panels whose queries return nothing while every
// model in use has a price: they show a problem only when there is one.
func QuietPanels() []uint32 { return []uint32{PanelUnpricedTokensTimeseries} }
