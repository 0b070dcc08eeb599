package compose

import (
	"slices"
	"testing"
	"time"
)

// startPeriodFloor is the least start_period of every healthcheck: the
// small Go services on a 2-core NAS with a cold disk cache.
const startPeriodFloor = 60 * time.Second

// slowStartPeriod is the least start_period of the services that take tens
// of seconds on a NAS's first start: the stores (ring join, TSDB and WAL
// directories) and Grafana (its database migrations).
const slowStartPeriod = 120 * time.Second

var slowStarters = []string{mimirService, lokiService, tempoService, grafanaService}

func TestHealthchecksGiveASlowNASTimeToStart(t *testing.T) {
	p := loadExample(t, nil)
	checked := 0
	for _, name := range p.ServiceNames() {
		s := service(t, p, name)
		slow := slices.Contains(slowStarters, name)
		if s.HealthCheck == nil || s.HealthCheck.Disable {
			if slow {
				t.Errorf("%s has no healthcheck: what depends on it cannot wait for it", name)
			}
			continue
		}
		checked++
		want := startPeriodFloor
		if slow {
			want = slowStartPeriod
		}
		if s.HealthCheck.StartPeriod == nil {
			t.Errorf("%s: healthcheck without start_period (Docker's default is 0s), want at least %s", name, want)
			continue
		}
		if got := time.Duration(*s.HealthCheck.StartPeriod); got < want {
			t.Errorf("%s: start_period %s, want at least %s", name, got, want)
		}
	}
	if checked < len(slowStarters) {
		t.Errorf("only %d services have a healthcheck", checked)
	}
}
