package grafana

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/scanium/openai-monitoring/internal/httporigin"
	"github.com/scanium/openai-monitoring/provisioner/config"
)

// origin is the scheme, host and port of a URL, scheme://host:port: what
// the credential is bound to.
type origin string

// originOf returns u's origin, with the scheme's default port made
// explicit, so that http://grafana and http://grafana:80 are one origin.
func originOf(u *url.URL) origin { return origin(httporigin.Of(u)) }

// String is scheme://host:port, never a path or a query.
func (o origin) String() string { return string(o) }

// maxRedirects is how many redirects within Grafana's origin one request
// follows, as net/http does by default.
const maxRedirects = 10

// RedirectError is a redirect to another origin than GRAFANA_URL's. It is
// never followed: the credential would go with it, or the request would
// fail without it.
type RedirectError struct {
	Method, Path string
	// From is GRAFANA_URL's origin, To the redirect's.
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s %s: Grafana redirected to %s, another origin than %s (%s): the credential is sent only to %s's origin, so the redirect was not followed; set %s to the URL Grafana really answers at",
		e.Method, e.Path, e.To, config.EnvGrafanaURL, e.From, config.EnvGrafanaURL, config.EnvGrafanaURL)
}

// checkRedirect follows redirects within home only.
func checkRedirect(home origin) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if to := originOf(req.URL); to != home {
			first := via[0]
			return &RedirectError{Method: first.Method, Path: first.URL.Path, From: home.String(), To: to.String()}
		}
		return nil
	}
}
