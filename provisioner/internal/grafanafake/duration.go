package grafanafake

import (
	"time"

	"github.com/prometheus/common/model"
)

// parseDuration parses a duration as Grafana's alerting does
// (Prometheus' model.Duration: "5m", "1h30m", "5m0s").
func parseDuration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}

// formatDuration renders a duration as Grafana serves it ("5m", "1h30m").
func formatDuration(d time.Duration) string { return model.Duration(d).String() }
