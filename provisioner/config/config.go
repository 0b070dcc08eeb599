package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Environment variables read by Load.
const (
	EnvGrafanaURL         = "GRAFANA_URL"
	EnvGrafanaToken       = "GRAFANA_TOKEN"
	EnvGrafanaUser        = "GRAFANA_USER"
	EnvGrafanaPassword    = "GRAFANA_PASSWORD"
	EnvGrafanaOrgID       = "GRAFANA_ORG_ID"
	EnvGrafanaCAFile      = "GRAFANA_CA_FILE"
	EnvInsecureSkipVerify = "GRAFANA_INSECURE_SKIP_VERIFY"
	EnvMimirURL           = "MIMIR_URL"
	EnvLokiURL            = "LOKI_URL"
	EnvTempoURL           = "TEMPO_URL"
)

// Config is everything the provisioner needs to reach Grafana and to build
// the datasources it manages. Build one with Load.
type Config struct {
	// GrafanaURL is Grafana's root URL, without a trailing slash; it may
	// carry a path when Grafana is served from a sub-path.
	GrafanaURL string
	// Token is a service account token; when set, User and Password are not.
	Token Secret
	// User and Password authenticate with basic auth.
	User     string
	Password Secret
	// OrgID selects the organization for basic auth; 0 leaves Grafana's
	// default (the user's current organization).
	OrgID int64
	// CAFile is a PEM bundle of the CAs that Grafana's certificate chains to.
	CAFile string
	// InsecureSkipVerify turns off TLS certificate verification.
	InsecureSkipVerify bool
	// MimirURL, LokiURL and TempoURL are the datasource URLs, as Grafana
	// (not the provisioner) reaches them.
	MimirURL string
	LokiURL  string
	TempoURL string
	// Getenv reads the variables that contact-point settings refer to as
	// ${NAME} (webhook URLs and other values kept out of the repository).
	Getenv func(string) string `json:"-"`
}

// Load reads the configuration from the environment through getenv (use
// os.Getenv, or a map lookup in tests) and validates it. An empty variable
// counts as unset. Every problem found is reported, joined in one error.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var errs []error

	cfg := Config{
		Getenv:   getenv,
		User:     get(EnvGrafanaUser),
		Token:    Secret(get(EnvGrafanaToken)),
		Password: Secret(getenv(EnvGrafanaPassword)),
		CAFile:   get(EnvGrafanaCAFile),
	}

	var err error
	if cfg.GrafanaURL, err = httpURL(EnvGrafanaURL, get(EnvGrafanaURL), DefaultGrafanaURL); err != nil {
		errs = append(errs, err)
	}
	if cfg.MimirURL, err = httpURL(EnvMimirURL, get(EnvMimirURL), DefaultMimirURL); err != nil {
		errs = append(errs, err)
	}
	if cfg.LokiURL, err = httpURL(EnvLokiURL, get(EnvLokiURL), DefaultLokiURL); err != nil {
		errs = append(errs, err)
	}
	if cfg.TempoURL, err = httpURL(EnvTempoURL, get(EnvTempoURL), DefaultTempoURL); err != nil {
		errs = append(errs, err)
	}
	if raw := get(EnvGrafanaOrgID); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			errs = append(errs, fmt.Errorf("%s %q: must be a positive integer", EnvGrafanaOrgID, raw))
		}
		cfg.OrgID = id
	}
	if raw := get(EnvInsecureSkipVerify); raw != "" {
		skip, err := strconv.ParseBool(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: must be true or false", EnvInsecureSkipVerify, raw))
		}
		cfg.InsecureSkipVerify = skip
	}
	errs = append(errs, cfg.validateCredentials()...)
	if cfg.CAFile != "" {
		if _, err := cfg.TLSConfig(); err != nil {
			errs = append(errs, err)
		}
	}
	return cfg, errors.Join(errs...)
}

// validateCredentials checks that exactly one way to authenticate is set.
func (c Config) validateCredentials() []error {
	switch {
	case c.Token.IsSet() && (c.User != "" || c.Password.IsSet()):
		return []error{fmt.Errorf("%s and %s are both set: use one way to authenticate", EnvGrafanaToken, EnvGrafanaUser)}
	case c.Token.IsSet() && c.OrgID != 0:
		return []error{fmt.Errorf("%s only applies to %s and %s: a service account token is bound to its organization", EnvGrafanaOrgID, EnvGrafanaUser, EnvGrafanaPassword)}
	case c.Token.IsSet():
		return nil
	case c.User != "" && !c.Password.IsSet():
		return []error{fmt.Errorf("%s is set without %s", EnvGrafanaUser, EnvGrafanaPassword)}
	case c.User == "" && c.Password.IsSet():
		return []error{fmt.Errorf("%s is set without %s", EnvGrafanaPassword, EnvGrafanaUser)}
	case c.User == "":
		return []error{fmt.Errorf("no Grafana credentials: set %s to a service account token, or %s and %s", EnvGrafanaToken, EnvGrafanaUser, EnvGrafanaPassword)}
	}
	return nil
}

// Credential names the environment variables behind the credential in use,
// for messages that tell the user what to check ("401 from Grafana: check
// GRAFANA_TOKEN").
func (c Config) Credential() string {
	if c.Token.IsSet() {
		return EnvGrafanaToken
	}
	return EnvGrafanaUser + " and " + EnvGrafanaPassword
}

// TLSConfig returns the TLS settings for Grafana's client: the CAs of
// CAFile added to the system pool, and InsecureSkipVerify.
func (c Config) TLSConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify}
	if c.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvGrafanaCAFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %q: no PEM certificate found", EnvGrafanaCAFile, c.CAFile)
	}
	tc.RootCAs = pool
	return tc, nil
}

// String describes the configuration with its secrets redacted.
func (c Config) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "grafana=%s", c.GrafanaURL)
	if c.Token.IsSet() {
		fmt.Fprintf(&b, " token=%s", c.Token)
	} else {
		fmt.Fprintf(&b, " user=%s password=%s", c.User, c.Password)
	}
	if c.OrgID != 0 {
		fmt.Fprintf(&b, " org=%d", c.OrgID)
	}
	if c.CAFile != "" {
		fmt.Fprintf(&b, " ca=%s", c.CAFile)
	}
	if c.InsecureSkipVerify {
		b.WriteString(" insecure-skip-verify=true")
	}
	fmt.Fprintf(&b, " mimir=%s loki=%s tempo=%s", c.MimirURL, c.LokiURL, c.TempoURL)
	return b.String()
}

// GoString makes %#v print the redacted description too.
func (c Config) GoString() string { return "config.Config{" + c.String() + "}" }

// httpURL validates an absolute http(s) URL without credentials, query or
// fragment and returns it without a trailing slash; an empty value gives
// def. A message never echoes a value that may hold a secret: a URL with
// credentials or a query is shown as scheme://host/path only.
func httpURL(name, raw, def string) (string, error) {
	if raw == "" {
		return def, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		if strings.ContainsAny(raw, "@?#") {
			return "", fmt.Errorf("%s: must be an absolute http or https URL, e.g. %s (the value is not shown: it may hold a secret)", name, def)
		}
		return "", fmt.Errorf("%s %q: must be an absolute http or https URL, e.g. %s", name, raw, def)
	}
	var remove []string
	if u.User != nil {
		remove = append(remove, "the credentials (user:password@)")
	}
	if u.RawQuery != "" || u.ForceQuery {
		remove = append(remove, "the query (?…)")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		remove = append(remove, "the fragment (#…)")
	}
	if len(remove) > 0 {
		shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
		msg := fmt.Sprintf("%s %s: remove %s from the URL", name, shown, joinAnd(remove))
		if name == EnvGrafanaURL {
			msg += fmt.Sprintf(": put the credential in %s, or %s and %s, and the organization in %s", EnvGrafanaToken, EnvGrafanaUser, EnvGrafanaPassword, EnvGrafanaOrgID)
		}
		return "", errors.New(msg)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s %q: must be an absolute http or https URL, e.g. %s", name, raw, def)
	}
	return strings.TrimRight(raw, "/"), nil
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
