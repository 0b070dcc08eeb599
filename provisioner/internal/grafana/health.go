package grafana

import (
	"context"
	"errors"
	"fmt"
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
	// Timeout is the longest wait; 0 asks once.
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

// healthCheckTimeout bounds one health check, so that a Grafana that
// accepts connections but does not answer yet is asked again.
const healthCheckTimeout = 10 * time.Second

// WaitHealthy polls GET /api/health until Grafana is healthy or the timeout
// passes (compose starts Grafana and the provisioner together).
func (c *Client) WaitHealthy(ctx context.Context, opts WaitOptions) (*models.HealthResponse, error) {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	deadline := time.Now().Add(opts.Timeout)
	for attempt := 0; ; attempt++ {
		checkTimeout := min(healthCheckTimeout, max(time.Until(deadline), opts.Interval))
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
