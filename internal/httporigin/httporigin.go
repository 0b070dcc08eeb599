// Package httporigin names the origin of a URL, the scheme, host and port
// that a credential is bound to: the backend's OpenAI key, the billing
// exporter's admin key and the provisioner's Grafana token are sent, and
// redirects followed, within their configured URL's origin only.
package httporigin

import (
	"net"
	"net/url"
	"strings"
)

// Of renders u's origin as scheme://host:port, scheme and host in lower case
// and the scheme's default port made explicit, so that http://H and
// http://h:80 are the same origin. It names no path, query or userinfo.
func Of(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
