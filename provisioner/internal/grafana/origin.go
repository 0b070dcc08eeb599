package grafana

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

// origin is the scheme, host and port of a URL: what the credential is
// bound to.
type origin struct {
	scheme, host, port string
}

// originOf returns u's origin, with the scheme's default port made
// explicit, so that http://grafana and http://grafana:80 are one origin.
func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		switch o.scheme {
		case "http":
			o.port = "80"
		case "https":
			o.port = "443"
		}
	}
	return o
}

// String is scheme://host:port, never a path or a query.
func (o origin) String() string {
	return o.scheme + "://" + net.JoinHostPort(o.host, o.port)
}

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
