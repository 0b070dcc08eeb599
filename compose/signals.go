package compose

import "github.com/scanium/openai-monitoring/internal/signals"

// What Loki and Tempo, as configured in this folder, make of the OTLP data
// Alloy sends them is declared once, in internal/signals; the tests of this
// package check the configurations against it.

// Former names of the signals' declarations.
//
// Deprecated: use internal/signals.
const (
	LokiServiceNameLabel     = signals.LokiServiceNameLabel
	LokiSeverityTextMetadata = signals.LokiSeverityTextMetadata
)
