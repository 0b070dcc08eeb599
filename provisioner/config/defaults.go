// Package config holds the provisioner's configuration: where Grafana is,
// how to authenticate to it, and where the datasources it creates point.
//
// Values come from the environment (GRAFANA_URL, GRAFANA_TOKEN, ...) and are
// validated with messages that say what to fix. Secrets print as <secret>.
// The defaults are exported so that other parts of the repository (the
// compose files and their tests) can check that they agree with them.
package config

// Defaults used when the matching environment variable is unset or empty.
// Host names are the compose service names; ports are those of DESIGN.md.
const (
	// DefaultGrafanaURL is where Grafana answers when the provisioner runs on
	// the host next to the compose stack (GRAFANA_URL).
	DefaultGrafanaURL = "http://localhost:3000"
	// DefaultMimirURL is the Prometheus-compatible API of Mimir, as Grafana
	// reaches it inside compose (MIMIR_URL).
	DefaultMimirURL = "http://mimir:9009/prometheus"
	// DefaultLokiURL is Loki's HTTP API inside compose (LOKI_URL).
	DefaultLokiURL = "http://loki:3100"
	// DefaultTempoURL is Tempo's HTTP API inside compose (TEMPO_URL).
	DefaultTempoURL = "http://tempo:3200"
)
