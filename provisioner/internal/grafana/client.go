// Package grafana is the provisioner's client of Grafana's HTTP API: the
// generated grafana-openapi-client-go services over an HTTP client of its
// own, with retries and authentication done here.
//
// The generated client's own transport setup writes its TLS settings into
// the process-wide http.DefaultTransport and retries without honouring the
// context; this package never calls it. It builds a fresh http.Transport,
// and wraps it so that every call:
//
//   - carries the credential (a service account token or basic auth), set
//     by the only code that reads the secret, to GRAFANA_URL's origin
//     (scheme, host and port) only; a redirect to another origin is
//     refused with a *RedirectError;
//   - is retried on connection errors, 429 and 5xx, with exponential
//     backoff and jitter, honouring Retry-After, never past the context;
//   - reads at most Options.MaxResponseBytes of an answer, decompressed
//     (else a *TooLargeError);
//   - fails with an *APIError that holds Grafana's message, redacted and
//     capped, or an *AuthError (401, 403) that names the credential to
//     check.
package grafana

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-openapi-client-go/client/dashboards"
	"github.com/grafana/grafana-openapi-client-go/client/datasources"
	"github.com/grafana/grafana-openapi-client-go/client/folders"
	"github.com/grafana/grafana-openapi-client-go/client/health"
	"github.com/grafana/grafana-openapi-client-go/client/provisioning"
	"github.com/grafana/grafana-openapi-client-go/client/search"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

// Options tune a Client. The zero value is usable.
type Options struct {
	// Retry defaults to DefaultRetryPolicy.
	Retry RetryPolicy
	// CallTimeout bounds one API call, its retries included (default 2m).
	CallTimeout time.Duration
	// AllowUIEdits sends X-Disable-Provenance: true on alerting writes, so
	// that what is written stays editable in Grafana's UI.
	AllowUIEdits bool
	// Notify receives a line for each retry (nil: silent).
	Notify func(string)
	// Debug receives a line for each HTTP attempt (nil: silent).
	Debug func(string)
	// MaxConnsPerHost bounds the connections kept to Grafana (default 16).
	MaxConnsPerHost int
	// MaxResponseBytes bounds one answer as read, decompressed (default
	// DefaultMaxResponseBytes).
	MaxResponseBytes int64
}

// UserAgent identifies the provisioner's requests.
const UserAgent = "scanium-provisioner"

// Client calls Grafana's API. It is safe for concurrent use.
type Client struct {
	baseURL      string
	credential   string
	redact       *config.Redactor
	callTimeout  time.Duration
	allowUIEdits bool
	http         *http.Client

	dashboards   dashboards.ClientService
	datasources  datasources.ClientService
	folders      folders.ClientService
	health       health.ClientService
	provisioning provisioning.ClientService
	search       search.ClientService
}

// New builds a Client for the Grafana of cfg.
func New(cfg config.Config, opts Options) (*Client, error) {
	u, err := url.Parse(cfg.GrafanaURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("grafana URL %q: not an absolute URL", cfg.GrafanaURL)
	}
	tlsConfig, err := cfg.TLSConfig()
	if err != nil {
		return nil, err
	}
	if opts.Retry.MaxAttempts == 0 {
		opts.Retry = DefaultRetryPolicy()
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 2 * time.Minute
	}
	if opts.MaxConnsPerHost == 0 {
		opts.MaxConnsPerHost = 16
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	// Retry notices and -v lines may carry a transport error's text (a
	// URL, a server's words): they go through the redaction too.
	red := cfg.Redactor()
	opts.Notify = redactLines(red, opts.Notify)
	opts.Debug = redactLines(red, opts.Debug)

	// A transport of our own: http.DefaultTransport is never used, read or
	// written.
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: time.Minute,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          opts.MaxConnsPerHost,
		MaxIdleConnsPerHost:   opts.MaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
	}
	home := originOf(u)
	var rt http.RoundTripper = authTransport{
		next:      limitTransport{next: base, limit: opts.MaxResponseBytes},
		origin:    home,
		header:    authorization(cfg),
		orgID:     orgHeader(cfg),
		userAgent: UserAgent,
	}
	if opts.Debug != nil {
		rt = logTransport{next: rt, log: opts.Debug, now: time.Now}
	}
	rt = newRetryTransport(rt, opts.Retry, opts.Notify)
	rt = observeTransport{next: rt, redact: red}
	// Redirects are followed within Grafana's origin only.
	httpClient := &http.Client{Transport: rt, CheckRedirect: checkRedirect(home)}

	// The generated client over our http.Client. Schemes is set explicitly:
	// the generated default prefers https.
	runtime := httptransport.NewWithClient(u.Host, u.Path+"/api", []string{u.Scheme}, httpClient)
	runtime.Debug = false // its dumps would print request bodies
	formats := strfmt.Default

	return &Client{
		baseURL:      cfg.GrafanaURL,
		credential:   cfg.Credential(),
		redact:       red,
		callTimeout:  opts.CallTimeout,
		allowUIEdits: opts.AllowUIEdits,
		http:         httpClient,
		dashboards:   dashboards.New(runtime, formats),
		datasources:  datasources.New(runtime, formats),
		folders:      folders.New(runtime, formats),
		health:       health.New(runtime, formats),
		provisioning: provisioning.New(runtime, formats),
		search:       search.New(runtime, formats),
	}, nil
}

// URL is Grafana's root URL.
func (c *Client) URL() string { return c.baseURL }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// redactLines returns a line sink that redacts what it passes on to fn
// (nil for nil).
func redactLines(red *config.Redactor, fn func(string)) func(string) {
	if fn == nil {
		return nil
	}
	return func(s string) { fn(red.Redact(s)) }
}

func authorization(cfg config.Config) string {
	if cfg.Token.IsSet() {
		return "Bearer " + cfg.Token.Reveal()
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.User+":"+cfg.Password.Reveal()))
}

func orgHeader(cfg config.Config) string {
	if cfg.Token.IsSet() || cfg.OrgID == 0 {
		return ""
	}
	return strconv.FormatInt(cfg.OrgID, 10)
}

// call runs one generated-client call and turns its failure into an error
// that says what Grafana answered, redacted.
func (c *Client) call(ctx context.Context, fn func(ctx context.Context) error) error {
	return redactError(c.redact, c.callOnce(ctx, fn))
}

func (c *Client) callOnce(ctx context.Context, fn func(ctx context.Context) error) error {
	ex := &exchange{}
	ctx, cancel := context.WithTimeout(withExchange(ctx, ex), c.callTimeout)
	defer cancel()
	err := fn(ctx)
	if err == nil {
		return nil
	}
	var redirect *RedirectError
	if errors.As(err, &redirect) {
		// Not the *url.Error around it: that names the redirect's URL,
		// path and query included.
		return redirect
	}
	if ex.tooLarge != nil {
		// Whatever the generated client made of the failed read.
		return ex.tooLarge
	}
	switch {
	case ex.status == http.StatusUnauthorized || ex.status == http.StatusForbidden:
		return &AuthError{
			APIError:   APIError{Method: ex.method, Path: ex.path, Status: ex.status, Message: ex.message},
			Credential: c.credential,
		}
	case ex.status >= 400:
		return &APIError{Method: ex.method, Path: ex.path, Status: ex.status, Message: ex.message}
	case ex.status != 0:
		return fmt.Errorf("%s %s: read Grafana's answer: %w", ex.method, ex.path, err)
	case ex.method != "":
		// The request did not get an answer: say which, once.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("%s %s%s: %w", ex.method, c.baseURL, ex.path, err)
	default:
		return fmt.Errorf("call Grafana at %s: %w", c.baseURL, err)
	}
}

// provenanceHeader is the X-Disable-Provenance value for alerting writes.
func (c *Client) provenanceHeader() *string {
	if !c.allowUIEdits {
		return nil
	}
	v := "true"
	return &v
}
