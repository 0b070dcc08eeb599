package grafana

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/grafana/grafana-openapi-client-go/client/health"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// Health asks GET /api/health once, without retries. Grafana is healthy
// when it answers 200 with database "ok".
func (c *Client) Health(ctx context.Context) (*models.HealthResponse, error) {
	var out *models.HealthResponse
	err := c.call(withoutRetries(ctx), func(ctx context.Context) error {
		resp, err := c.health.GetHealthWithParams(health.NewGetHealthParamsWithContext(ctx))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	if err != nil {
		return out, err
	}
	if out == nil {
		return nil, errors.New("GET /api/health: an empty answer")
	}
	// What Grafana reports is printed: it is redacted and capped.
	out.Version = serverText(c.redact, out.Version, maxVersionLen)
	if out.Database != "ok" {
		return out, fmt.Errorf("database is %q", serverText(c.redact, out.Database, maxVersionLen))
	}
	return out, nil
}

// WaitOptions say how long WaitHealthy waits.
type WaitOptions struct {
	// Timeout is the longest wait; 0 asks once (and fails at once when
	// nothing answers at the URL).
	Timeout time.Duration
	// Interval is the time between two checks (default 1s).
	Interval time.Duration
	// Waiting is called once, with the first failure, when Grafana is not
	// healthy at the first check: the caller says that it waits.
	Waiting func(reason error)
}

// answersWrongly tells the failures of a health check that waiting does
// not fix: a redirect to another origin, an answer over the size limit.
func answersWrongly(err error) bool {
	var redirect *RedirectError
	var tooLarge *TooLargeError
	return errors.As(err, &redirect) || errors.As(err, &tooLarge)
}

// wrongAddress says what a failure of the health check means when it most
// likely comes from a wrong GRAFANA_URL: nothing listens at its port, or
// its host does not exist. Waiting fixes that only when Grafana is being
// started alongside.
func wrongAddress(err error) (string, bool) {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "refused the connection", true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return "is not found: its host name does not resolve", true
	}
	return "", false
}

// healthCheckTimeout bounds one health check, so that a Grafana that
// accepts connections but does not answer yet is asked again.
const healthCheckTimeout = 10 * time.Second

// WaitHealthy polls GET /api/health until Grafana is healthy or the timeout
// passes (compose starts Grafana and the provisioner together). With no
// timeout it asks once: a GRAFANA_URL where nothing listens fails within
// seconds, with a message that names the URL.
func (c *Client) WaitHealthy(ctx context.Context, opts WaitOptions) (*models.HealthResponse, error) {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	deadline := time.Now().Add(opts.Timeout)
	for attempt := 0; ; attempt++ {
		checkTimeout := min(healthCheckTimeout, max(time.Until(deadline), opts.Interval))
		if opts.Timeout == 0 {
			// The one check may take as long as any.
			checkTimeout = healthCheckTimeout
		}
		checkCtx, cancel := context.WithTimeout(ctx, checkTimeout)
		h, err := c.Health(checkCtx)
		cancel()
		if err == nil {
			return h, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if answersWrongly(err) {
			// Waiting does not change where Grafana redirects, or what it answers.
			return nil, fmt.Errorf("grafana at %s: %w", c.baseURL, err)
		}
		if time.Now().Add(opts.Interval).After(deadline) {
			what, wrong := wrongAddress(err)
			switch {
			case wrong && opts.Timeout == 0:
				return nil, fmt.Errorf("Grafana at %s %s: is GRAFANA_URL right? (%w)", c.baseURL, what, err)
			case wrong:
				return nil, fmt.Errorf("Grafana at %s %s for %s: is GRAFANA_URL right? Is Grafana running? (%w)", c.baseURL, what, opts.Timeout, err)
			}
			return nil, fmt.Errorf("grafana at %s is not healthy after %s: %w", c.baseURL, opts.Timeout, err)
		}
		if attempt == 0 && opts.Waiting != nil {
			opts.Waiting(err)
		}
		if err := sleepContext(ctx, opts.Interval); err != nil {
			return nil, err
		}
	}
}
