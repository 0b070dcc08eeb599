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

	"github.com/scanium/openai-monitoring/internal/envconfig"
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

// declarations are the settings Load reads.
type declarations struct {
	grafanaURL, mimirURL, lokiURL, tempoURL envconfig.Var[string]
	user, caFile                            envconfig.Var[string]
	token, password                         envconfig.Var[Secret]
	orgID                                   envconfig.Var[int64]
	insecure                                envconfig.Var[bool]
}

func declare() declarations {
	url := func(env, def, doc string) envconfig.Var[string] {
		return envconfig.Var[string]{Env: env, Default: def, Doc: doc, Parser: envconfig.Parser[string]{
			Parse: func(raw, def string) (string, error) { return httpURL(env, raw, def) },
		}}
	}
	return declarations{
		grafanaURL: url(EnvGrafanaURL, DefaultGrafanaURL, "Grafana's root URL; it may carry a sub-path"),
		token: envconfig.Var[Secret]{Env: EnvGrafanaToken, Parser: envconfig.Secret(),
			Doc: "service account token (or GRAFANA_USER and GRAFANA_PASSWORD)"},
		user: envconfig.Var[string]{Env: EnvGrafanaUser, Parser: envconfig.String(),
			Doc: "user of basic auth, with GRAFANA_PASSWORD"},
		password: envconfig.Var[Secret]{Env: EnvGrafanaPassword, Parser: envconfig.Secret(), KeepSpaces: true,
			Doc: "password of basic auth, taken as is (spaces included)"},
		orgID: envconfig.Var[int64]{Env: EnvGrafanaOrgID, DefaultDoc: "the user's current organization",
			Parser: envconfig.Parser[int64]{Parse: func(raw string, _ int64) (int64, error) {
				id, err := strconv.ParseInt(raw, 10, 64)
				if err != nil || id < 1 {
					return 0, envconfig.Verbatim(fmt.Errorf("%s %q: must be a positive integer", EnvGrafanaOrgID, raw))
				}
				return id, nil
			}},
			Doc: "organization of basic auth (a token is bound to its own)"},
		caFile: envconfig.Var[string]{Env: EnvGrafanaCAFile, Parser: envconfig.String(),
			Doc: "PEM bundle of the CAs Grafana's certificate chains to, added to the system's"},
		insecure: envconfig.Var[bool]{Env: EnvInsecureSkipVerify, Default: false,
			Parser: envconfig.Parser[bool]{Parse: func(raw string, _ bool) (bool, error) {
				skip, err := strconv.ParseBool(raw)
				if err != nil {
					return false, envconfig.Verbatim(fmt.Errorf("%s %q: must be true or false", EnvInsecureSkipVerify, raw))
				}
				return skip, nil
			}, Bool: true},
			Doc: "true turns off the verification of Grafana's certificate"},
		mimirURL: url(EnvMimirURL, DefaultMimirURL, "Mimir's Prometheus API as Grafana reaches it (the mimir datasource)"),
		lokiURL:  url(EnvLokiURL, DefaultLokiURL, "Loki's API as Grafana reaches it (the loki datasource)"),
		tempoURL: url(EnvTempoURL, DefaultTempoURL, "Tempo's API as Grafana reaches it (the tempo datasource)"),
	}
}

// Settings lists every setting Load reads, for the help: its variable,
// default and doc.
func Settings() []envconfig.Setting {
	d := declare()
	return []envconfig.Setting{
		d.grafanaURL.Setting(), d.token.Setting(), d.user.Setting(), d.password.Setting(), d.orgID.Setting(),
		d.caFile.Setting(), d.insecure.Setting(), d.mimirURL.Setting(), d.lokiURL.Setting(), d.tempoURL.Setting(),
	}
}

// Load reads the configuration from the environment through getenv (use
// os.Getenv, or a map lookup in tests) and validates it. An empty variable
// counts as unset. Every problem found is reported, joined in one error.
func Load(getenv func(string) string) (Config, error) {
	r := envconfig.NewReader(func(k string) (string, bool) { v := getenv(k); return v, v != "" }, nil)
	d := declare()
	cfg := Config{
		Getenv:             getenv,
		User:               envconfig.Get(r, d.user),
		Token:              envconfig.Get(r, d.token),
		Password:           envconfig.Get(r, d.password),
		CAFile:             envconfig.Get(r, d.caFile),
		GrafanaURL:         envconfig.Get(r, d.grafanaURL),
		MimirURL:           envconfig.Get(r, d.mimirURL),
		LokiURL:            envconfig.Get(r, d.lokiURL),
		TempoURL:           envconfig.Get(r, d.tempoURL),
		OrgID:              envconfig.Get(r, d.orgID),
		InsecureSkipVerify: envconfig.Get(r, d.insecure),
	}
	errs := r.Errors()
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
// def (the Reader never passes one). A message never echoes a value that may hold a secret: a URL with
// credentials or a query is shown as scheme://host/path only.
func httpURL(name, raw, def string) (string, error) {
	if raw == "" {
		return def, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		if strings.ContainsAny(raw, "@?#") {
			return "", envconfig.Verbatim(fmt.Errorf("%s: must be an absolute http or https URL, e.g. %s (the value is not shown: it may hold a secret)", name, def))
		}
		return "", envconfig.Verbatim(fmt.Errorf("%s %q: must be an absolute http or https URL, e.g. %s", name, raw, def))
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
		return "", envconfig.Verbatim(errors.New(msg))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", envconfig.Verbatim(fmt.Errorf("%s %q: must be an absolute http or https URL, e.g. %s", name, raw, def))
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
