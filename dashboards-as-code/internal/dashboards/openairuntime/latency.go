package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// percentiles are the quantiles of the latency graph.
func percentiles() []float64 { return []float64{0.5, 0.95, 0.99} }

func latencyRow(b *dashboard.DashboardBuilder, cfg config.Config) *dashboard.DashboardBuilder {
	return b.WithRow(dashboard.NewRowBuilder("Latency").Id(rowLatency)).
		WithPanel(latencyPercentilesTimeseries(cfg.Alerts.Latency)).
		WithPanel(latencyByModelTimeseries(cfg.Alerts.Latency)).
		WithPanel(firstTokenTimeseries(cfg.SLOs.Latency))
}

// mixedCalls says what the request duration panels count.
const mixedCalls = " Streamed and plain calls together: a streamed call's duration runs to its last chunk, so long answers read slow; see Time to first token for streams."

func latencyPercentilesTimeseries(l config.Latency) *timeseries.PanelBuilder {
	panel := defaultTimeseries().
		Id(PanelLatencyPercentilesTimeseries).
		Title("Latency percentiles").
		Description(fmt.Sprintf("p50, p95 and p99 duration of OpenAI API requests, all models and outcomes, from the request duration histogram.%s Dashed line: %ss, the OpenAIHighLatency threshold. Dots are exemplars: single requests, each opening its trace in Tempo.",
			mixedCalls, formatNumber(l.ThresholdSeconds))).
		Unit(unitSeconds).
		Thresholds(thresholds(colorOK, at(l.ThresholdSeconds, colorCritical))).
		ThresholdsStyle(thresholdLines())
	for i, q := range percentiles() {
		name := promexpr.PercentileName(q)
		target := prometheusQuery(refID(i), promexpr.LatencyQuantile(q, scope(), window), name)
		if i == 0 {
			// Every percentile reads the same buckets: one query asks for
			// their exemplars, so each shows once.
			target = target.Exemplar(true)
		}
		panel = panel.WithTarget(target)
	}
	return panel
}

func latencyByModelTimeseries(l config.Latency) *timeseries.PanelBuilder {
	name := promexpr.PercentileName(l.Quantile)
	return defaultTimeseries().
		Id(PanelLatencyByModelTimeseries).
		Title(name + " latency by model").
		Description(fmt.Sprintf("%s duration of each model's OpenAI API requests.%s OpenAIHighLatency fires when it stays above %ss (dashed line) for %s.",
			name, mixedCalls, formatNumber(l.ThresholdSeconds), formatDuration(l.For)) + " Dots are exemplars: single requests, each opening its trace in Tempo.").
		WithTarget(prometheusQuery("A",
			promexpr.LatencyQuantile(l.Quantile, scope(), window, m.LabelModel),
			legend(m.LabelModel)).Exemplar(true)).
		Unit(unitSeconds).
		Thresholds(thresholds(colorOK, at(l.ThresholdSeconds, colorCritical))).
		ThresholdsStyle(thresholdLines())
}

func firstTokenTimeseries(l config.LatencyObjective) *timeseries.PanelBuilder {
	panel := defaultTimeseries().
		Id(PanelFirstTokenTimeseries).
		Title("Time to first token by model").
		Description(fmt.Sprintf("p50, p95 and p99 time from sending a streamed OpenAI API request to its first content chunk, by model, every outcome, from the time-to-first-token histogram; plain calls have none. Dashed line: %ss, the latency objective's threshold for streamed calls. Dots are exemplars: single requests, each opening its trace in Tempo.",
			formatNumber(l.ThresholdSeconds))).
		Unit(unitSeconds).
		Thresholds(thresholds(colorOK, at(l.ThresholdSeconds, colorCritical))).
		ThresholdsStyle(thresholdLines())
	for i, q := range percentiles() {
		name := promexpr.PercentileName(q)
		target := prometheusQuery(refID(i), promexpr.FirstTokenQuantile(q, scope(), window, m.LabelModel), legend(m.LabelModel)+" "+name)
		if i == 0 {
			target = target.Exemplar(true)
		}
		panel = panel.WithTarget(target)
	}
	return panel
}

// refID names the i-th query of a panel: A, B, C...
func refID(i int) string { return string(rune('A' + i)) }
