package desired

import (
	"encoding/json"

	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// Datasource is a datasource to create or update.
type Datasource struct {
	UID, Name, Type, URL string
	IsDefault            bool
	JSONData             map[string]any
}

// traceIDLabel is the label of the trace id in exemplars (OTel) and in
// Loki's structured metadata (OTLP logs).
const traceIDLabel = "trace_id"

// Datasources are Mimir, Loki and Tempo, linked to each other: Mimir's
// exemplars open the trace in Tempo; Loki's trace_id opens the trace in
// Tempo; Tempo's spans open their logs in Loki and their metrics in Mimir,
// and its service map is computed from Mimir.
func Datasources(cfg config.Config) []Datasource {
	mark := func(m map[string]any) map[string]any {
		m[managed.DatasourceField] = managed.Owner
		return m
	}
	return []Datasource{
		{
			UID: managed.MimirUID, Name: "Mimir", Type: "prometheus", URL: cfg.MimirURL, IsDefault: true,
			JSONData: mark(map[string]any{
				"httpMethod":     "POST",
				"prometheusType": "Mimir",
				"timeInterval":   "15s",
				"exemplarTraceIdDestinations": []any{
					map[string]any{"name": traceIDLabel, "datasourceUid": managed.TempoUID, "urlDisplayLabel": "View trace"},
				},
			}),
		},
		{
			UID: managed.LokiUID, Name: "Loki", Type: "loki", URL: cfg.LokiURL,
			JSONData: mark(map[string]any{
				"maxLines": json.Number("1000"),
				"derivedFields": []any{
					map[string]any{
						"name": "TraceID", "matcherType": "label", "matcherRegex": traceIDLabel,
						"datasourceUid": managed.TempoUID, "url": "${__value.raw}", "urlDisplayLabel": "View trace",
					},
				},
			}),
		},
		{
			UID: managed.TempoUID, Name: "Tempo", Type: "tempo", URL: cfg.TempoURL,
			JSONData: mark(map[string]any{
				"tracesToLogsV2": map[string]any{
					"datasourceUid":      managed.LokiUID,
					"spanStartTimeShift": "-5m",
					"spanEndTimeShift":   "5m",
					"filterByTraceID":    true,
					"filterBySpanID":     false,
					"tags":               []any{map[string]any{"key": "service.name", "value": "service_name"}},
				},
				"tracesToMetrics": map[string]any{
					"datasourceUid":      managed.MimirUID,
					"spanStartTimeShift": "-5m",
					"spanEndTimeShift":   "5m",
					"tags":               []any{map[string]any{"key": "service.name", "value": "service_name"}},
				},
				"serviceMap": map[string]any{"datasourceUid": managed.MimirUID},
				"nodeGraph":  map[string]any{"enabled": true},
				"lokiSearch": map[string]any{"datasourceUid": managed.LokiUID},
			}),
		},
	}
}
