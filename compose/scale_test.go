package compose

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// This file checks the scale-out overlay, docker-compose.scale.yml, loaded as
// `docker compose -f docker-compose.yml -f docker-compose.scale.yml` loads
// it: which services run, that each role has distinct replicas, that the
// monolithic services' names still lead somewhere, and that secrets and
// ports stay where they belong.

// scaleFile is the scale-out overlay of ComposeFile.
const scaleFile = ScaleFile

// scaleDisabledProfile is the profile the overlay gives the monolithic
// services, so that they do not run.
const scaleDisabledProfile = "monolithic"

// Services of the overlay.
const (
	scaleInitService       = "scanium-scale-init"
	scaleMinioService      = "scanium-minio"
	scaleBucketsService    = "scanium-minio-buckets"
	scalePostgresService   = "scanium-postgres"
	scaleGatewayService    = "scanium-gateway"
	scaleOTLPLBService     = "scanium-otlp-lb"
	scaleLBService         = "scanium-lb"
	scaleGrafanaLBService  = "scanium-grafana-lb"
	scaleMinioPort         = 9000
	scaleMemberlistPort    = 7946
	scaleGrafanaHAPort     = "9094"
	scaleMimirHTTPPort     = 9009
	scaleLokiHTTPPort      = 3100
	scaleTempoHTTPPort     = 3200
	scaleBackendHTTPPort   = 8080
	scaleGrafanaHTTPPort   = 3000
	scaleAlloyHTTPPort     = 12345
	scaleOTLPHTTPPort      = 4318
	scaleOTLPGRPCPort      = 4317
	scaleInstanceIDAttr    = "service.instance.id"
	scaleResourceAttrsName = "OTEL_RESOURCE_ATTRIBUTES"
)

// scaleRole is a set of replicas that run the same thing: the services
// named <prefix>-<n>.
type scaleRole struct {
	name string
	// base is the service of docker-compose.yml each replica extends.
	base string
	// target is the engine's -target, when it has one.
	target string
	prefix string
}

var scaleRoles = []scaleRole{
	{"mimir write", mimirService, "write", "scanium-mimir-write"},
	{"mimir read", mimirService, "read", "scanium-mimir-read"},
	{"mimir backend", mimirService, "backend", "scanium-mimir-backend"},
	{"loki write", lokiService, "write", "scanium-loki-write"},
	{"loki read", lokiService, "read", "scanium-loki-read"},
	{"loki backend", lokiService, "backend", "scanium-loki-backend"},
	{"tempo", tempoService, "scalable-single-binary", "scanium-tempo"},
	{"alloy", alloyService, "", "scanium-alloy"},
	{"backend", backendService, "", "scanium-backend"},
	{"grafana", grafanaService, "", "scanium-grafana"},
}

// scaleReplicaName matches a replica's service name: <prefix>-<n>.
var scaleReplicaName = regexp.MustCompile(`^(.+)-[0-9]+$`)

var (
	scaleReplicasOnce sync.Once
	scaleReplicasErr  error
	// scaleReplicaSets maps a role's prefix to its replicas, sorted, as the
	// overlay defines them.
	scaleReplicaSets map[string][]string
)

// replicas returns the role's replicas in the overlay (loaded once, with
// the example's settings and the test stand-ins for the secrets).
func (r scaleRole) replicas(t *testing.T) []string {
	t.Helper()
	scaleReplicasOnce.Do(func() {
		env, err := ReadEnvFile(EnvExampleFile)
		if err != nil {
			scaleReplicasErr = err
			return
		}
		maps.Copy(env, requiredSecrets)
		maps.Copy(env, scaleSecrets)
		p, err := loadScaleProject(env, nil)
		if err != nil {
			scaleReplicasErr = err
			return
		}
		scaleReplicaSets = map[string][]string{}
		for _, name := range p.ServiceNames() {
			if m := scaleReplicaName.FindStringSubmatch(name); m != nil {
				scaleReplicaSets[m[1]] = append(scaleReplicaSets[m[1]], name)
			}
		}
		for _, set := range scaleReplicaSets {
			slices.Sort(set)
		}
	})
	if scaleReplicasErr != nil {
		t.Fatal(scaleReplicasErr)
	}
	return scaleReplicaSets[r.prefix]
}

// scaleReplicasOf returns the replicas of every role whose name starts with
// prefix ("mimir", "loki write", ...).
func scaleReplicasOf(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	for _, r := range scaleRoles {
		if strings.HasPrefix(r.name, prefix) {
			out = append(out, r.replicas(t)...)
		}
	}
	return out
}

// scaleSecrets are the variables only the overlay requires, each with the
// stand-in the tests use. .env.example, if it lists them, leaves them empty.
var scaleSecrets = map[string]string{
	"MINIO_ROOT_USER":            "test-only-minio-admin",
	"MINIO_ROOT_PASSWORD":        "test-only-minio-password",
	"SCALE_S3_ACCESS_KEY_ID":     "test-only-access-key",
	"SCALE_S3_SECRET_ACCESS_KEY": "test-only-secret-key",
	"GRAFANA_DB_PASSWORD":        "test-only-db-password",
	"GRAFANA_SECRET_KEY":         "test-only-encryption-key",
}

func scaleEnv(t *testing.T, overrides map[string]string) map[string]string {
	t.Helper()
	env := exampleEnv(t, nil)
	for k, v := range scaleSecrets {
		if env[k] != "" {
			t.Errorf("%s has a value in %s: leave it empty so that an unedited copy refuses to start", k, EnvExampleFile)
		}
		env[k] = v
	}
	maps.Copy(env, overrides)
	return env
}

// loadScaleProject loads docker-compose.yml merged with the overlay, with
// env as the whole environment and the given profiles enabled.
func loadScaleProject(env map[string]string, profiles []string) (*types.Project, error) {
	options, err := cli.NewProjectOptions(
		[]string{ComposeFile, scaleFile},
		cli.WithWorkingDirectory("."),
		cli.WithEnv(environ(env)),
		cli.WithProfiles(profiles),
		cli.WithName(ProjectName),
	)
	if err != nil {
		return nil, fmt.Errorf("compose options: %w", err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, fmt.Errorf("load %s with %s: %w", ComposeFile, scaleFile, err)
	}
	return project, nil
}

func loadScale(t *testing.T, profiles []string, overrides map[string]string) *types.Project {
	t.Helper()
	p, err := loadScaleProject(scaleEnv(t, overrides), profiles)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// scaleServiceAt returns the enabled services that host names on the
// compose network, by service name or network alias.
func scaleServiceAt(p *types.Project, host string) []string {
	var out []string
	for _, s := range p.Services {
		if s.Name == host {
			out = append(out, s.Name)
			continue
		}
		for _, n := range s.Networks {
			if n != nil && slices.Contains(n.Aliases, host) {
				out = append(out, s.Name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestScaleRunsTheDistributedServicesAndNotTheMonolithicOnes(t *testing.T) {
	p := loadScale(t, nil, nil)
	want := []string{
		scaleInitService, scaleMinioService, scaleBucketsService, scalePostgresService,
		scaleGatewayService, scaleOTLPLBService, scaleLBService, scaleGrafanaLBService,
		provisionerService,
	}
	for _, r := range scaleRoles {
		want = append(want, r.replicas(t)...)
	}
	slices.Sort(want)
	got := p.ServiceNames()
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	for _, name := range []string{initService, backendService, alloyService, mimirService, lokiService, tempoService, grafanaService} {
		s, ok := p.DisabledServices[name]
		if !ok {
			t.Errorf("%s runs in the scale-out profile; give it the profile %q in %s", name, scaleDisabledProfile, scaleFile)
			continue
		}
		if !slices.Equal(s.Profiles, []string{scaleDisabledProfile}) {
			t.Errorf("%s has profiles %v, want [%s]", name, s.Profiles, scaleDisabledProfile)
		}
	}
}

func TestScaleKeepsTheOptionalProfilesWorking(t *testing.T) {
	p := loadScale(t, []string{"demo", "billing"}, nil)
	for _, tc := range []struct{ service, dependsOn string }{
		{loadgenService, scaleLBService},
		{billingService, scaleOTLPLBService},
	} {
		s := service(t, p, tc.service)
		if _, ok := s.DependsOn[tc.dependsOn]; !ok {
			t.Errorf("%s does not wait for %s, which replaces what it waited for", tc.service, tc.dependsOn)
		}
		for dep := range s.DependsOn {
			if _, disabled := p.DisabledServices[dep]; disabled {
				t.Errorf("%s waits for %s, which does not run in the scale-out profile", tc.service, dep)
			}
		}
	}
	if _, err := p.GetService(simService); err != nil {
		t.Errorf("the demo profile has no %s: %v", simService, err)
	}
}

func TestScaleImagesArePinned(t *testing.T) {
	p := loadScale(t, []string{"demo", "billing"}, nil)
	for _, s := range p.Services {
		switch {
		case s.Build != nil:
			if base := s.Build.Args["BASE_IMAGE"]; base != nil {
				if err := pinned(*base); err != nil {
					t.Errorf("%s builds on %v", s.Name, err)
				}
			}
		case s.Image != "":
			if err := pinned(s.Image); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		default:
			t.Errorf("%s has neither an image nor a build", s.Name)
		}
	}
}

func TestScaleLongRunningServicesRestartAndReportHealth(t *testing.T) {
	checkRestartAndHealth(t, loadScale(t, []string{"demo", "billing"}, nil))
}

func TestScaleDependenciesWaitForHealthOrCompletion(t *testing.T) {
	p := loadScale(t, []string{"demo", "billing"}, nil)
	checkDependenciesWait(t, p)
	// What each front waits for is what stands behind it, so that healthy
	// means serving.
	for front, behind := range map[string][]string{
		scaleGatewayService:   append(scaleReplicasOf(t, "mimir"), append(scaleReplicasOf(t, "loki"), scaleReplicasOf(t, "tempo")...)...),
		scaleOTLPLBService:    scaleReplicasOf(t, "alloy"),
		scaleLBService:        scaleReplicasOf(t, "backend"),
		scaleGrafanaLBService: scaleReplicasOf(t, "grafana"),
	} {
		got := slices.Sorted(maps.Keys(service(t, p, front).DependsOn))
		want := slices.Sorted(slices.Values(behind))
		if !slices.Equal(got, want) {
			t.Errorf("%s waits for %v, want the replicas behind it %v", front, got, want)
		}
	}
	for _, tc := range []struct{ from, to string }{
		{provisionerService, scaleGrafanaLBService}, {provisionerService, scaleGatewayService},
		{"scanium-alloy-1", scaleGatewayService}, {"scanium-backend-1", scaleOTLPLBService},
		{"scanium-grafana-1", scalePostgresService}, {"scanium-mimir-write-1", scaleBucketsService},
		{"scanium-loki-write-1", scaleBucketsService}, {"scanium-tempo-1", scaleBucketsService},
		{scaleBucketsService, scaleMinioService},
	} {
		if _, ok := service(t, p, tc.from).DependsOn[tc.to]; !ok {
			t.Errorf("%s does not wait for %s", tc.from, tc.to)
		}
	}
}

func TestScaleReplicasAreDistinctServicesWithTheirOwnIdentity(t *testing.T) {
	p := loadScale(t, nil, nil)
	hostnames := map[string]string{}
	dataDirs := map[string]string{}
	for _, role := range scaleRoles {
		if n := len(role.replicas(t)); n < 2 {
			t.Errorf("%s has %d replicas (%s-<n>), want at least 2", role.name, n, role.prefix)
		}
		for _, name := range role.replicas(t) {
			s := service(t, p, name)
			if s.ContainerName != "" {
				t.Errorf("%s keeps container_name %q: replicas cannot share one; reset it", name, s.ContainerName)
			}
			if s.Deploy != nil && s.Deploy.Replicas != nil && *s.Deploy.Replicas != 1 {
				t.Errorf("%s: deploy.replicas = %d; each replica is its own service with its own identity", name, *s.Deploy.Replicas)
			}
			if s.Hostname != name {
				t.Errorf("%s: hostname = %q, want %q (instance ids and ring members follow it)", name, s.Hostname, name)
			}
			if other, dup := hostnames[s.Hostname]; dup {
				t.Errorf("%s and %s share the hostname %q", name, other, s.Hostname)
			}
			hostnames[s.Hostname] = name
			for _, v := range s.Volumes {
				if v.Type == types.VolumeTypeBind && !v.ReadOnly {
					if other, dup := dataDirs[v.Source]; dup {
						t.Errorf("%s and %s both write %s", name, other, v.Source)
					}
					dataDirs[v.Source] = name
				}
			}
			if role.target != "" {
				if want := "-target=" + role.target; !slices.Contains(s.Command, want) {
					t.Errorf("%s: command %q lacks %s", name, s.Command, want)
				}
			}
		}
	}
}

func TestScaleBackendsExportTheirOwnInstanceID(t *testing.T) {
	for name, extra := range map[string]string{"no extra attributes": "", "extra attributes": "deployment.environment.name=cluster"} {
		t.Run(name, func(t *testing.T) {
			p := loadScale(t, nil, map[string]string{scaleResourceAttrsName: extra})
			seen := map[string]string{}
			for _, replica := range scaleReplicasOf(t, "backend") {
				raw, _ := env(service(t, p, replica), scaleResourceAttrsName)
				attrs := map[string]string{}
				for _, pair := range strings.Split(raw, ",") {
					k, v, ok := strings.Cut(pair, "=")
					if !ok {
						t.Fatalf("%s: %s=%q: %q is not key=value", replica, scaleResourceAttrsName, raw, pair)
					}
					attrs[k] = v
				}
				id := attrs[scaleInstanceIDAttr]
				if id != replica {
					t.Errorf("%s exports %s=%q, want %q", replica, scaleInstanceIDAttr, id, replica)
				}
				if other, dup := seen[id]; dup {
					t.Errorf("%s and %s export the same %s %q: their series collide", replica, other, scaleInstanceIDAttr, id)
				}
				seen[id] = replica
				if extra != "" {
					k, v, _ := strings.Cut(extra, "=")
					if attrs[k] != v {
						t.Errorf("%s drops the operator's %s: %s=%q", replica, scaleResourceAttrsName, scaleResourceAttrsName, raw)
					}
				}
			}
		})
	}
}

func TestScaleOnlyTheLoadBalancersPublishPorts(t *testing.T) {
	p := loadScale(t, []string{"demo", "billing"}, nil)
	published := map[string][]uint32{}
	for _, s := range p.Services {
		for _, port := range s.Ports {
			if port.Published != "" {
				published[s.Name] = append(published[s.Name], port.Target)
			}
		}
	}
	want := map[string][]uint32{scaleLBService: {scaleBackendHTTPPort}, scaleGrafanaLBService: {scaleGrafanaHTTPPort}}
	if !maps.EqualFunc(published, want, slices.Equal) {
		t.Errorf("published ports = %v, want %v", published, want)
	}
	for _, front := range []string{scaleLBService, scaleGrafanaLBService} {
		for _, port := range service(t, p, front).Ports {
			if port.Published == "" {
				t.Errorf("%s publishes %d on a random host port", front, port.Target)
			}
		}
	}
}

// TestScaleKeepsTheMonolithicNamesReachable checks that every name the NAS's
// configs and the provisioner use resolves, in the scale-out profile, to
// exactly one running service.
func TestScaleKeepsTheMonolithicNamesReachable(t *testing.T) {
	p := loadScale(t, []string{"demo", "billing"}, nil)
	for host, want := range map[string]string{
		mimirService: scaleGatewayService, "mimir": scaleGatewayService,
		lokiService: scaleGatewayService, "loki": scaleGatewayService,
		tempoService: scaleGatewayService, "tempo": scaleGatewayService,
		alloyService:    scaleOTLPLBService,
		backendService:  scaleLBService,
		grafanaService:  scaleGrafanaLBService,
		"scanium-minio": scaleMinioService, scalePostgresService: scalePostgresService,
	} {
		got := scaleServiceAt(p, host)
		if !slices.Equal(got, []string{want}) {
			t.Errorf("%s resolves to %v, want [%s]", host, got, want)
		}
	}
	// Every replica is reachable by its own name and by no one else's.
	for _, role := range scaleRoles {
		for _, replica := range role.replicas(t) {
			if got := scaleServiceAt(p, replica); !slices.Equal(got, []string{replica}) {
				t.Errorf("%s resolves to %v", replica, got)
			}
		}
	}
}

// scaleVariableDecl matches an interpolation with its modifier:
// ${NAME}, ${NAME:-default}, ${NAME:?message}, ${NAME-default}, ...
var scaleVariableDecl = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?`)

// scaleSecretName reports whether a variable or setting name holds a secret.
func scaleSecretName(name string) bool {
	upper := strings.ToUpper(name)
	for _, word := range []string{"PASSWORD", "SECRET", "ACCESS_KEY", "TOKEN", "API_KEY", "ADMIN_KEY", "ROOT_USER"} {
		if strings.Contains(upper, word) {
			return true
		}
	}
	return false
}

func TestScaleSecretsComeFromEnvWithoutDefaults(t *testing.T) {
	raw, err := os.ReadFile(scaleFile)
	if err != nil {
		t.Fatal(err)
	}
	required := map[string]bool{}
	for _, m := range scaleVariableDecl.FindAllStringSubmatch(string(raw), -1) {
		name, modifier := m[1], m[2]
		if !scaleSecretName(name) {
			continue
		}
		switch modifier {
		case ":?":
			required[name] = true
		case "":
			t.Errorf("%s reads ${%s} without :? : an empty secret must stop compose with a message", scaleFile, name)
		default:
			t.Errorf("%s gives the secret ${%s} a default (%s): secrets have none", scaleFile, name, modifier)
		}
	}
	for name := range scaleSecrets {
		if !required[name] {
			t.Errorf("%s does not require ${%s:?...}", scaleFile, name)
		}
	}
	// A secret-looking setting in any service's environment is an
	// interpolated variable, never a literal: load with markers and look
	// for them.
	markers := map[string]string{}
	for name := range scaleSecrets {
		markers[name] = "marker-" + strings.ToLower(name)
	}
	p := loadScale(t, []string{"demo", "billing"}, markers)
	for _, s := range p.Services {
		for key, value := range s.Environment {
			if value == nil || *value == "" || !scaleSecretName(key) {
				continue
			}
			fromEnv := false
			for _, marker := range markers {
				fromEnv = fromEnv || *value == marker
			}
			if !fromEnv && !slices.Contains(slices.Collect(maps.Values(requiredSecrets)), *value) {
				t.Errorf("%s: %s is set in a file, not read from one of compose/.env's secrets", s.Name, key)
			}
		}
	}
}

func TestScaleRequiredSecretsStopComposeWithAMessage(t *testing.T) {
	for name := range scaleSecrets {
		t.Run(name, func(t *testing.T) {
			_, err := loadScaleProject(scaleEnv(t, map[string]string{name: ""}), nil)
			if err == nil {
				t.Fatalf("the scale-out profile loads with %s empty; use ${%s:?message}", name, name)
			}
			if !strings.Contains(err.Error(), "set "+name+" in compose/.env") {
				t.Errorf("error %q does not tell what to set", err)
			}
			if strings.Contains(err.Error(), scaleSecrets[name]) {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

func TestScaleDataDirectoriesArePreparedUnderDataDir(t *testing.T) {
	const dataDir = "/volume1/docker/scanium/data"
	p := loadScale(t, nil, map[string]string{"DATA_DIR": dataDir})
	script := strings.Join(service(t, p, scaleInitService).Command, " ")
	if len(p.Volumes) > 0 {
		t.Errorf("named volumes %v: keep every service's data under DATA_DIR", slices.Sorted(maps.Keys(p.Volumes)))
	}
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind || v.ReadOnly || s.Name == scaleInitService {
				continue
			}
			rel, ok := strings.CutPrefix(v.Source, dataDir+"/")
			if !ok {
				t.Errorf("%s writes to %s, outside DATA_DIR", s.Name, v.Source)
				continue
			}
			if !strings.Contains(script, " "+rel+" ") && !strings.Contains(script, " "+rel+";") {
				t.Errorf("%s mounts %s, which %s does not create", s.Name, v.Source, scaleInitService)
			}
			if _, ok := s.DependsOn[scaleInitService]; !ok && !dependsOnTransitively(p, s.Name, scaleInitService) {
				t.Errorf("%s mounts %s but does not wait for %s", s.Name, v.Source, scaleInitService)
			}
		}
	}
	// Loki and Tempo run as 10001: their directories are the ones chowned.
	_, chowned, _ := strings.Cut(script, "chown")
	before, _, _ := strings.Cut(script, "chown")
	lastLoop := before[strings.LastIndex(before, "for d in"):]
	for _, replica := range append(scaleReplicasOf(t, "loki"), scaleReplicasOf(t, "tempo")...) {
		dir := strings.TrimPrefix(replica, "scanium-")
		if !strings.Contains(lastLoop, " "+dir) {
			t.Errorf("%s does not give %s to uid 10001 (chown%s)", scaleInitService, dir, chowned)
		}
	}
}

func dependsOnTransitively(p *types.Project, from, to string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(name string) bool {
		if seen[name] {
			return false
		}
		seen[name] = true
		s, err := p.GetService(name)
		if err != nil {
			return false
		}
		for dep := range s.DependsOn {
			if dep == to || walk(dep) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

func TestScaleGrafanaReplicasShareTheDatabaseAndPeerForAlerting(t *testing.T) {
	p := loadScale(t, nil, nil)
	replicas := scaleReplicasOf(t, "grafana")
	var peers []string
	for _, r := range replicas {
		peers = append(peers, r+":"+scaleGrafanaHAPort)
	}
	var first map[string]string
	for _, name := range replicas {
		s := service(t, p, name)
		got := map[string]string{}
		for k, v := range s.Environment {
			if v != nil {
				got[k] = *v
			}
		}
		for key, want := range map[string]string{
			"GF_DATABASE_TYPE":                      "postgres",
			"GF_DATABASE_HOST":                      fmt.Sprintf("%s:5432", scalePostgresService),
			"GF_DATABASE_PASSWORD":                  scaleSecrets["GRAFANA_DB_PASSWORD"],
			"GF_SECURITY_SECRET_KEY":                scaleSecrets["GRAFANA_SECRET_KEY"],
			"GF_UNIFIED_ALERTING_HA_LISTEN_ADDRESS": "0.0.0.0:" + scaleGrafanaHAPort,
			"GF_SECURITY_ADMIN_PASSWORD":            requiredSecrets["GRAFANA_ADMIN_PASSWORD"],
		} {
			if got[key] != want {
				t.Errorf("%s: %s = %q, want %q", name, key, got[key], want)
			}
		}
		gotPeers := strings.Split(got["GF_UNIFIED_ALERTING_HA_PEERS"], ",")
		slices.Sort(gotPeers)
		if !slices.Equal(gotPeers, peers) {
			t.Errorf("%s: GF_UNIFIED_ALERTING_HA_PEERS = %v, want every replica %v", name, gotPeers, peers)
		}
		if len(s.Volumes) > 0 {
			t.Errorf("%s mounts %v: the replicas keep their state in PostgreSQL", name, s.Volumes)
		}
		if first == nil {
			first = got
		} else if !maps.Equal(first, got) {
			t.Errorf("%s's environment differs from %s's: %v vs %v", name, replicas[0], got, first)
		}
	}
	pg := service(t, p, scalePostgresService)
	if v, _ := env(pg, "POSTGRES_PASSWORD"); v != scaleSecrets["GRAFANA_DB_PASSWORD"] {
		t.Errorf("%s: POSTGRES_PASSWORD is not GRAFANA_DB_PASSWORD", scalePostgresService)
	}
	for _, key := range []string{"POSTGRES_USER", "POSTGRES_DB"} {
		v, _ := env(pg, key)
		field := map[string]string{"POSTGRES_USER": "GF_DATABASE_USER", "POSTGRES_DB": "GF_DATABASE_NAME"}[key]
		if v == "" || v != first[field] {
			t.Errorf("%s: %s = %q, but Grafana's %s = %q", scalePostgresService, key, v, field, first[field])
		}
	}
}

// TestScaleReplicasExtendTheNASServices checks that what the overlay does
// not change is the NAS's: each replica keeps the image, build and
// healthcheck of the service it extends.
func TestScaleReplicasExtendTheNASServices(t *testing.T) {
	nas := loadExample(t, nil)
	p := loadScale(t, nil, nil)
	for _, role := range scaleRoles {
		base := service(t, nas, role.base)
		for _, name := range role.replicas(t) {
			s := service(t, p, name)
			if s.Image != base.Image {
				t.Errorf("%s: image %q, but %s has %q", name, s.Image, role.base, base.Image)
			}
			if (s.Build == nil) != (base.Build == nil) || (s.Build != nil && !maps.EqualFunc(s.Build.Args, base.Build.Args, func(a, b *string) bool { return *a == *b })) {
				t.Errorf("%s does not build as %s does", name, role.base)
			}
			if s.HealthCheck == nil || base.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, base.HealthCheck.Test) {
				t.Errorf("%s does not check its health as %s does", name, role.base)
			}
			if base.StopGracePeriod != nil && (s.StopGracePeriod == nil || *s.StopGracePeriod != *base.StopGracePeriod) {
				t.Errorf("%s: stop_grace_period differs from %s's", name, role.base)
			}
		}
	}
}

// TestScaleDocDescribesTheOverlay keeps docs/scaling.md in step with the
// overlay: every image it pins, every setting it requires.
func TestScaleDocDescribesTheOverlay(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docs", "scaling.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	p := loadScale(t, nil, nil)
	nas := loadExample(t, nil)
	for _, s := range p.Services {
		image := s.Image
		if s.Build != nil {
			if base := s.Build.Args["BASE_IMAGE"]; base != nil {
				image = *base
			}
		}
		if image == "" {
			continue
		}
		if _, err := nas.GetService(s.Name); err == nil {
			continue
		}
		if !strings.Contains(doc, "`"+image) {
			t.Errorf("docs/scaling.md does not name %s's image %s", s.Name, image)
		}
	}
	for name := range scaleSecrets {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/scaling.md does not explain %s", name)
		}
	}
	for _, link := range []string{"(capacity.md)", "(deployment.md)"} {
		if !strings.Contains(doc, link) {
			t.Errorf("docs/scaling.md does not link %s", link)
		}
	}
}

// TestScaleDocQuotesCapacityAsItIs checks that what docs/scaling.md quotes
// from docs/capacity.md (its "When to move" section, in double quotes) is
// still there, word for word: capacity.md is rendered from the model, and a
// quote of an old rendering would mislead.
func TestScaleDocQuotesCapacityAsItIs(t *testing.T) {
	read := func(name string) string {
		raw, err := os.ReadFile(filepath.Join("..", "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(raw)), " ")
	}
	scaling, capacity := read("scaling.md"), read("capacity.md")
	_, section, ok := strings.Cut(scaling, "## When to move")
	if !ok {
		t.Fatal(`docs/scaling.md has no "When to move" section`)
	}
	section, _, _ = strings.Cut(section, "## ")
	quotes := regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(section, -1)
	if len(quotes) < 3 {
		t.Fatalf("docs/scaling.md quotes %d passages of capacity.md in When to move, want its conclusions", len(quotes))
	}
	for _, q := range quotes {
		if !strings.Contains(capacity, q[1]) {
			t.Errorf("docs/scaling.md quotes %q, which docs/capacity.md no longer says: quote its current rendering", q[1])
		}
	}
}
