// Package e2e holds the end-to-end tests of the bundle: the scanium-backend
// binary against the OpenAI simulator, exporting over OTLP into Prometheus 3
// (the stand-in for Mimir), read back with PromQL.
package e2e
