package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testToken = "glsa_testtoken_0123456789abcdef"

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(env(map[string]string{EnvGrafanaToken: testToken}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		GrafanaURL: DefaultGrafanaURL,
		Token:      testToken,
		MimirURL:   DefaultMimirURL,
		LokiURL:    DefaultLokiURL,
		TempoURL:   DefaultTempoURL,
	}
	if cfg.Getenv == nil {
		t.Error("Load does not keep the environment for contact-point references")
	}
	cfg.Getenv = nil
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load = %#v, want %#v", cfg, want)
	}
	if got := cfg.Credential(); got != "GRAFANA_TOKEN" {
		t.Errorf("Credential() = %q, want GRAFANA_TOKEN", got)
	}
}

func TestLoadValues(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		EnvGrafanaURL:         " https://grafana.example.com/sub/ ",
		EnvGrafanaUser:        "admin",
		EnvGrafanaPassword:    "pw",
		EnvGrafanaOrgID:       "3",
		EnvInsecureSkipVerify: "true",
		EnvMimirURL:           "http://m:1/prometheus/",
		EnvLokiURL:            "http://l:2",
		EnvTempoURL:           "http://t:3",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		GrafanaURL:         "https://grafana.example.com/sub",
		User:               "admin",
		Password:           "pw",
		OrgID:              3,
		InsecureSkipVerify: true,
		MimirURL:           "http://m:1/prometheus",
		LokiURL:            "http://l:2",
		TempoURL:           "http://t:3",
	}
	if cfg.Getenv == nil {
		t.Error("Load does not keep the environment for contact-point references")
	}
	cfg.Getenv = nil
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load = %#v, want %#v", cfg, want)
	}
	if got := cfg.Credential(); got != "GRAFANA_USER and GRAFANA_PASSWORD" {
		t.Errorf("Credential() = %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{
			name: "no credentials",
			env:  map[string]string{},
			want: "no Grafana credentials: set GRAFANA_TOKEN to a service account token, or GRAFANA_USER and GRAFANA_PASSWORD",
		},
		{
			name: "token and user",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaUser: "admin", EnvGrafanaPassword: "pw"},
			want: "GRAFANA_TOKEN and GRAFANA_USER are both set: use one way to authenticate",
		},
		{
			name: "user without password",
			env:  map[string]string{EnvGrafanaUser: "admin"},
			want: "GRAFANA_USER is set without GRAFANA_PASSWORD",
		},
		{
			name: "password without user",
			env:  map[string]string{EnvGrafanaPassword: "pw"},
			want: "GRAFANA_PASSWORD is set without GRAFANA_USER",
		},
		{
			name: "org id with token",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaOrgID: "2"},
			want: "GRAFANA_ORG_ID only applies to GRAFANA_USER and GRAFANA_PASSWORD: a service account token is bound to its organization",
		},
		{
			name: "org id not a number",
			env:  map[string]string{EnvGrafanaUser: "a", EnvGrafanaPassword: "b", EnvGrafanaOrgID: "main"},
			want: `GRAFANA_ORG_ID "main": must be a positive integer`,
		},
		{
			name: "org id zero",
			env:  map[string]string{EnvGrafanaUser: "a", EnvGrafanaPassword: "b", EnvGrafanaOrgID: "0"},
			want: `GRAFANA_ORG_ID "0": must be a positive integer`,
		},
		{
			name: "insecure not a bool",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvInsecureSkipVerify: "maybe"},
			want: `GRAFANA_INSECURE_SKIP_VERIFY "maybe": must be true or false`,
		},
		{
			name: "grafana url without scheme",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "grafana:3000"},
			want: `GRAFANA_URL "grafana:3000": must be an absolute http or https URL, e.g. http://localhost:3000`,
		},
		{
			name: "grafana url ftp",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "ftp://grafana"},
			want: `GRAFANA_URL "ftp://grafana": must be an absolute http or https URL, e.g. http://localhost:3000`,
		},
		{
			name: "grafana url with query",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "http://grafana?orgId=1"},
			want: "GRAFANA_URL http://grafana: remove the query (?…) from the URL: put the credential in GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD, and the organization in GRAFANA_ORG_ID",
		},
		{
			name: "grafana url with a token in the query",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "https://grafana.example.com/sub/?token=" + testToken + "&x=hunter2"},
			want: "GRAFANA_URL https://grafana.example.com/sub/: remove the query (?…) from the URL: put the credential in GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD, and the organization in GRAFANA_ORG_ID",
		},
		{
			name: "grafana url with credentials",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "http://admin:hunter2@grafana:3000"},
			want: "GRAFANA_URL http://grafana:3000: remove the credentials (user:password@) from the URL: put the credential in GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD, and the organization in GRAFANA_ORG_ID",
		},
		{
			name: "grafana url with credentials, query and fragment",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "http://admin:hunter2@grafana:3000/g?api_key=hunter2#hunter2"},
			want: "GRAFANA_URL http://grafana:3000/g: remove the credentials (user:password@), the query (?…) and the fragment (#…) from the URL: put the credential in GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD, and the organization in GRAFANA_ORG_ID",
		},
		{
			name: "grafana url unparsable with credentials",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "http://admin:hunter2@grafana:port"},
			want: "GRAFANA_URL: must be an absolute http or https URL, e.g. http://localhost:3000 (the value is not shown: it may hold a secret)",
		},
		{
			name: "grafana url opaque with credentials",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaURL: "grafana:hunter2@host"},
			want: "GRAFANA_URL: must be an absolute http or https URL, e.g. http://localhost:3000 (the value is not shown: it may hold a secret)",
		},
		{
			name: "mimir url with credentials",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvMimirURL: "http://u:hunter2@mimir:9009"},
			want: "MIMIR_URL http://mimir:9009: remove the credentials (user:password@) from the URL",
		},
		{
			name: "tempo url with a query",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvTempoURL: "http://tempo:3200/?secret=hunter2"},
			want: "TEMPO_URL http://tempo:3200/: remove the query (?…) from the URL",
		},
		{
			name: "loki url relative",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvLokiURL: "/loki"},
			want: `LOKI_URL "/loki": must be an absolute http or https URL, e.g. http://loki:3100`,
		},
		{
			name: "tempo url unparsable",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvTempoURL: "http://tempo:port"},
			want: `TEMPO_URL "http://tempo:port": must be an absolute http or https URL, e.g. http://tempo:3200`,
		},
		{
			name: "ca file missing",
			env:  map[string]string{EnvGrafanaToken: testToken, EnvGrafanaCAFile: "/nonexistent/ca.pem"},
			want: "GRAFANA_CA_FILE: open /nonexistent/ca.pem: no such file or directory",
		},
		{
			name: "several problems at once",
			env:  map[string]string{EnvGrafanaURL: "grafana", EnvGrafanaUser: "admin"},
			want: `GRAFANA_URL "grafana": must be an absolute http or https URL, e.g. http://localhost:3000` + "\n" +
				"GRAFANA_USER is set without GRAFANA_PASSWORD",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil {
				t.Fatalf("Load succeeded, want error %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Load error:\n got %q\nwant %q", err.Error(), tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), testToken) {
				t.Errorf("error leaks a secret: %q", err)
			}
		})
	}
}

func TestCAFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(env(map[string]string{EnvGrafanaToken: testToken, EnvGrafanaCAFile: notPEM}))
	want := fmt.Sprintf("GRAFANA_CA_FILE %q: no PEM certificate found", notPEM)
	if err == nil || err.Error() != want {
		t.Fatalf("Load error = %v, want %q", err, want)
	}

	good := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(good, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(env(map[string]string{EnvGrafanaToken: testToken, EnvGrafanaCAFile: good}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tc, err := cfg.TLSConfig()
	if err != nil {
		t.Fatalf("TLSConfig: %v", err)
	}
	if tc.RootCAs == nil || tc.InsecureSkipVerify {
		t.Errorf("TLSConfig = %+v, want the CA pool and verification on", tc)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	for _, cfg := range []Config{
		{GrafanaURL: DefaultGrafanaURL, Token: testToken},
		{GrafanaURL: DefaultGrafanaURL, User: "admin", Password: testToken},
	} {
		js, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var logged strings.Builder
		slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg, "token", cfg.Token, "password", cfg.Password)
		outputs := []string{
			fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
			fmt.Sprintf("%s", cfg), fmt.Sprintf("%q", cfg),
			fmt.Sprintf("%v %+v %#v %s %q %x %X %d", cfg.Token, cfg.Token, cfg.Token, cfg.Token, cfg.Token, cfg.Token, cfg.Token, cfg.Token),
			fmt.Sprintf("%v %#v %x", cfg.Password, cfg.Password, cfg.Password),
			fmt.Sprintf("%+v", struct{ C *Config }{&cfg}),
			string(js), logged.String(),
		}
		for _, out := range outputs {
			if strings.Contains(out, testToken) || strings.Contains(out, fmt.Sprintf("%x", testToken)) {
				t.Errorf("secret printed: %s", out)
			}
		}
		if !strings.Contains(fmt.Sprint(cfg), "<secret>") {
			t.Errorf("String() = %q, want the secret shown as <secret>", cfg.String())
		}
		if cfg.Token.Reveal()+cfg.Password.Reveal() != testToken {
			t.Errorf("Reveal lost the value")
		}
	}
}

func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
