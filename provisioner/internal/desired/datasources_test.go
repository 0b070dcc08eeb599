package desired

import (
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/internal/signals"
	"github.com/scanium/openai-monitoring/provisioner/config"
)

// The links use the one declaration of what the stack stores
// (internal/signals), whose names the compose and alloy tests check in the
// Loki, Tempo and Alloy configurations.
func TestDatasourceLinksUseTheStoredNames(t *testing.T) {
	ds := map[string]Datasource{}
	for _, d := range Datasources(config.Config{MimirURL: "http://m/prometheus", LokiURL: "http://l", TempoURL: "http://t"}) {
		ds[d.UID] = d
	}
	first := func(v any) map[string]any { return v.([]any)[0].(map[string]any) }

	exemplar := first(ds["mimir"].JSONData["exemplarTraceIdDestinations"])
	if exemplar["name"] != signals.ExemplarTraceIDLabel || exemplar["datasourceUid"] != "tempo" {
		t.Errorf("Mimir exemplar destination = %v, want label %s opening tempo", exemplar, signals.ExemplarTraceIDLabel)
	}

	derived := first(ds["loki"].JSONData["derivedFields"])
	if derived["matcherType"] != "label" || derived["matcherRegex"] != signals.LokiTraceIDMetadata || derived["datasourceUid"] != "tempo" || derived["url"] != "${__value.raw}" {
		t.Errorf("Loki derived field = %v: want the structured metadata %s (matcherType label) opening tempo with its raw value", derived, signals.LokiTraceIDMetadata)
	}

	tempo := ds["tempo"].JSONData
	logs := tempo["tracesToLogsV2"].(map[string]any)
	if tag := first(logs["tags"]); tag["key"] != signals.ServiceNameAttribute || tag["value"] != signals.LokiServiceNameLabel {
		t.Errorf("tracesToLogsV2 tag = %v, want %s mapped to Loki's %s", tag, signals.ServiceNameAttribute, signals.LokiServiceNameLabel)
	}
	if logs["customQuery"] != true || logs["query"] != TracesToLogsQuery || logs["filterByTraceID"] != false {
		t.Errorf("tracesToLogsV2 = %v: want the custom query %s instead of Grafana's trace id filter", logs, TracesToLogsQuery)
	}
	// The query selects the service's stream and filters on the structured
	// metadata, never on the log line (|=), where OTLP logs have no trace id.
	if !strings.HasPrefix(TracesToLogsQuery, "{${__tags}} | ") || !strings.Contains(TracesToLogsQuery, signals.LokiTraceIDMetadata+`="${__span.traceId}"`) || strings.Contains(TracesToLogsQuery, "|=") {
		t.Errorf("traces-to-logs query %s does not filter the service's stream by %s", TracesToLogsQuery, signals.LokiTraceIDMetadata)
	}

	metrics := tempo["tracesToMetrics"].(map[string]any)
	if metrics["datasourceUid"] != "mimir" {
		t.Errorf("tracesToMetrics opens %v, want mimir", metrics["datasourceUid"])
	}
	if tag := first(metrics["tags"]); tag["key"] != signals.ServiceNameAttribute || tag["value"] != signals.TempoSpanMetricsServiceLabel {
		t.Errorf("tracesToMetrics tag = %v, want %s mapped to the span metrics' %s", tag, signals.ServiceNameAttribute, signals.TempoSpanMetricsServiceLabel)
	}
	queries, _ := metrics["queries"].([]any)
	if len(queries) == 0 {
		t.Fatal("tracesToMetrics has no queries: Grafana shows no metrics link without one")
	}
	for _, q := range queries {
		expr, _ := q.(map[string]any)["query"].(string)
		if !strings.Contains(expr, "{$__tags") {
			t.Errorf("span-metric query %q does not select the span's service ($__tags)", expr)
		}
		if !strings.Contains(expr, signals.TempoSpanMetricsCalls+"{") && !strings.Contains(expr, signals.TempoSpanMetricsLatency+"_bucket{") {
			t.Errorf("span-metric query %q reads none of the series Tempo's span-metrics processor writes", expr)
		}
	}

	if tempo["serviceMap"].(map[string]any)["datasourceUid"] != "mimir" || tempo["nodeGraph"].(map[string]any)["enabled"] != true {
		t.Errorf("service map %v, node graph %v: want the service graph from mimir, shown as a node graph", tempo["serviceMap"], tempo["nodeGraph"])
	}
}
