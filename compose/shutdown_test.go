package compose

import (
	"strconv"
	"testing"
	"time"

	backendconfig "github.com/scanium/openai-monitoring/backend/config"
)

// stopMargin is what stop_grace_period must leave beyond the backend's
// SHUTDOWN_TIMEOUT: the signal's way through Docker, the runtime's exit.
const stopMargin = 5 * time.Second

// dockerStopDefault is how long Docker waits after SIGTERM before SIGKILL
// when a service sets no stop_grace_period.
const dockerStopDefault = 10 * time.Second

func TestBackendStopGracePeriodCoversItsShutdownTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want time.Duration
	}{
		{"as in .env.example", nil, 0},
		{"unset: the default", map[string]string{backendconfig.EnvShutdownTimeout: ""}, backendconfig.DefaultShutdownTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := service(t, loadExample(t, tc.env), backendService)
			raw, ok := s.Environment[backendconfig.EnvShutdownTimeout]
			if !ok || raw == nil {
				t.Fatalf("%s does not pass %s to the backend", backendService, backendconfig.EnvShutdownTimeout)
			}
			timeout, err := time.ParseDuration(*raw)
			if err != nil {
				t.Fatalf("%s=%q: %v", backendconfig.EnvShutdownTimeout, *raw, err)
			}
			if tc.want != 0 && timeout != tc.want {
				t.Errorf("compose's default %s is %s, the backend's is %s", backendconfig.EnvShutdownTimeout, timeout, tc.want)
			}
			if s.StopGracePeriod == nil {
				t.Fatalf("%s sets no stop_grace_period: Docker kills it %s after SIGTERM, before its %s %s", backendService, dockerStopDefault, backendconfig.EnvShutdownTimeout, timeout)
			}
			if grace := time.Duration(*s.StopGracePeriod); grace < timeout+stopMargin {
				t.Errorf("%s: stop_grace_period %s, want at least %s=%s plus %s", backendService, grace, backendconfig.EnvShutdownTimeout, timeout, stopMargin)
			}
		})
	}
}

func TestStoresThatFlushOnStopHaveMoreThanDockersDefault(t *testing.T) {
	p := loadExample(t, nil)
	for _, name := range []string{mimirService, lokiService, tempoService} {
		s := service(t, p, name)
		if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= dockerStopDefault {
			t.Errorf("%s flushes its in-memory data on stop: give it a stop_grace_period above Docker's %s", name, dockerStopDefault)
		}
	}
}

func TestBackendLimitsDefaultAsTheBackendDoes(t *testing.T) {
	// With the variables unset, compose passes the backend's own defaults.
	unset := map[string]string{}
	want := map[string]string{
		backendconfig.EnvMaxInFlightRequests: strconv.Itoa(backendconfig.DefaultMaxInFlightRequests),
		backendconfig.EnvMaxConnections:      strconv.Itoa(backendconfig.DefaultMaxConnections),
		backendconfig.EnvMaxHeaderBytes:      strconv.Itoa(backendconfig.DefaultMaxHeaderBytes),
	}
	for name := range want {
		unset[name] = ""
	}
	s := service(t, loadExample(t, unset), backendService)
	for name, def := range want {
		if got, ok := env(s, name); !ok || got != def {
			t.Errorf("%s: compose passes %s=%q, the backend's default is %s", backendService, name, got, def)
		}
	}
}
