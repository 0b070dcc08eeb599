// Package logql builds the LogQL of the dashboards from the contract of the
// backend's logs: its service name (backend/config), the severity texts and
// access-log fields it emits (backend/openaimetrics), and the names Loki's
// OTLP ingestion makes of them (compose). The artifacts' validation checks
// every LogQL query against the same names.
package logql

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/internal/signals"
)

// Query is a log query: a stream selector and its pipeline.
type Query struct {
	stream   []string
	pipeline []string
}

// Backend selects the log records of the backend, by the stream label Loki
// makes of the resource's service.name.
func Backend() Query {
	return Query{stream: []string{signals.LokiServiceNameLabel + "=" + strconv.Quote(config.DefaultServiceName)}}
}

// SeverityIn keeps the records whose severity text is one of severities
// (openaimetrics.LogSeverity*), from Loki's structured metadata.
func (q Query) SeverityIn(severities ...string) Query {
	return q.then(labelFilter(signals.LokiSeverityTextMetadata, severities))
}

func (q Query) then(stage string) Query {
	q.pipeline = append(append([]string(nil), q.pipeline...), stage)
	return q
}

func (q Query) String() string {
	out := "{" + strings.Join(q.stream, ", ") + "}"
	for _, stage := range q.pipeline {
		out += " | " + stage
	}
	return out
}

// labelFilter keeps the records whose label or structured metadata key is
// one of values.
func labelFilter(key string, values []string) string {
	if len(values) == 1 {
		return key + "=" + strconv.Quote(values[0])
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return key + "=~" + strconv.Quote(strings.Join(quoted, "|"))
}
