package compose

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// The bundle's services.
const (
	initService        = "scanium-init"
	backendService     = "scanium-backend"
	alloyService       = "scanium-alloy"
	mimirService       = "scanium-mimir"
	lokiService        = "scanium-loki"
	tempoService       = "scanium-tempo"
	grafanaService     = "scanium-grafana"
	provisionerService = "scanium-provisioner"
	simService         = "scanium-openai-sim"
	loadgenService     = "scanium-loadgen"
)

// requiredSecrets are left empty in .env.example, so that a copy used as is
// fails; the tests supply stand-ins.
var requiredSecrets = map[string]string{
	"GRAFANA_ADMIN_PASSWORD": "test-only-password",
	"SCANIUM_API_KEYS":       "test-only-key",
}

// statefulServices maps each service that keeps data to the directory its
// volume is mounted at.
var statefulServices = map[string]string{
	alloyService:   "/var/lib/alloy/data",
	mimirService:   "/data",
	lokiService:    "/loki",
	tempoService:   "/var/tempo",
	grafanaService: "/var/lib/grafana",
}

// exampleEnv returns the environment of .env.example with the required
// secrets filled in, then overrides.
func exampleEnv(t *testing.T, overrides map[string]string) map[string]string {
	t.Helper()
	env, err := ReadEnvFile(EnvExampleFile)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range requiredSecrets {
		if env[k] != "" {
			t.Errorf("%s has a value in %s: leave it empty so that an unedited copy refuses to start", k, EnvExampleFile)
		}
		env[k] = v
	}
	maps.Copy(env, overrides)
	return env
}

func loadExample(t *testing.T, overrides map[string]string) *types.Project {
	t.Helper()
	project, err := Load(context.Background(), ".", exampleEnv(t, overrides))
	if err != nil {
		t.Fatal(err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

// oneShot reports whether the service runs once and exits.
func oneShot(s types.ServiceConfig) bool { return s.Restart == types.RestartPolicyNo }

func TestProjectHasTheBundlesServices(t *testing.T) {
	p := loadExample(t, nil)
	want := []string{
		alloyService, backendService, grafanaService, initService, loadgenService,
		lokiService, mimirService, simService, provisionerService, tempoService, billingService,
	}
	got := p.ServiceNames()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	for _, name := range []string{simService, loadgenService} {
		if s := service(t, p, name); !slices.Equal(s.Profiles, []string{"demo"}) {
			t.Errorf("%s has profiles %v, want [demo]", name, s.Profiles)
		}
	}
}

func TestRequiredSecretsStopComposeWithAMessage(t *testing.T) {
	for name := range requiredSecrets {
		t.Run(name, func(t *testing.T) {
			env := exampleEnv(t, map[string]string{name: ""})
			_, err := Load(context.Background(), ".", env)
			if err == nil {
				t.Fatalf("the project loads with %s empty; use ${%s:?message}", name, name)
			}
			if !strings.Contains(err.Error(), "set "+name+" in compose/.env") {
				t.Errorf("error %q does not tell what to set", err)
			}
		})
	}
}

func TestEveryServiceHasAPinnedImageOrABuild(t *testing.T) {
	p := loadExample(t, nil)
	for _, s := range p.Services {
		switch {
		case s.Build != nil:
			if base := s.Build.Args["BASE_IMAGE"]; base != nil {
				if err := pinned(*base); err != nil {
					t.Errorf("%s builds on %v", s.Name, err)
				}
			}
			if s.Image != "" {
				if err := pinned(s.Image); err != nil {
					t.Errorf("%s tags its build %v", s.Name, err)
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

// pinned returns an error unless image names an exact tag or a digest.
func pinned(image string) error {
	if _, digest, ok := strings.Cut(image, "@sha256:"); ok && len(digest) == 64 {
		return nil
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	if colon <= slash {
		return fmt.Errorf("image %q has no tag: pin an exact version", image)
	}
	tag := image[colon+1:]
	if tag == "latest" || !strings.ContainsAny(tag, "0123456789") {
		return fmt.Errorf("image %q has the moving tag %q: pin an exact version", image, tag)
	}
	return nil
}

func TestPinnedRecognisesExactVersions(t *testing.T) {
	for image, ok := range map[string]bool{
		"grafana/grafana:12.4.5":                    true,
		"grafana/alloy:v1.21.2":                     true,
		"registry:5000/team/app:1.2":                true,
		"busybox@sha256:" + strings.Repeat("a", 64): true,
		"grafana/grafana":                           false,
		"grafana/grafana:latest":                    false,
		"registry:5000/team/app":                    false,
		"gcr.io/distroless/static:nonroot":          false,
	} {
		if err := pinned(image); (err == nil) != ok {
			t.Errorf("pinned(%q) = %v, want ok=%v", image, err, ok)
		}
	}
}

func TestLongRunningServicesRestartAndReportHealth(t *testing.T) {
	checkRestartAndHealth(t, loadExample(t, nil))
}

// checkRestartAndHealth: every long-running service of p restarts unless
// stopped and has an exec-form healthcheck with its timings set.
func checkRestartAndHealth(t *testing.T, p *types.Project) {
	t.Helper()
	for _, s := range p.Services {
		if oneShot(s) {
			continue
		}
		if s.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("%s: restart = %q, want unless-stopped", s.Name, s.Restart)
		}
		hc := s.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 {
			t.Errorf("%s has no healthcheck", s.Name)
			continue
		}
		// Exec form: several images have no /bin/sh for CMD-SHELL.
		if hc.Test[0] != "CMD" {
			t.Errorf("%s: healthcheck %q: use the exec form [\"CMD\", ...]", s.Name, hc.Test)
		}
		if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil || hc.StartPeriod == nil {
			t.Errorf("%s: healthcheck sets no interval, timeout, retries or start_period", s.Name)
		}
	}
}

func TestDependenciesWaitForHealthOrCompletion(t *testing.T) {
	p := loadExample(t, nil)
	checkDependenciesWait(t, p)
	for _, tc := range []struct{ from, to string }{
		{backendService, alloyService},
		{alloyService, mimirService}, {alloyService, lokiService}, {alloyService, tempoService},
		{provisionerService, grafanaService},
		{loadgenService, backendService},
		{billingService, alloyService},
	} {
		if _, ok := service(t, p, tc.from).DependsOn[tc.to]; !ok {
			t.Errorf("%s does not wait for %s", tc.from, tc.to)
		}
	}
}

// checkDependenciesWait: every dependency of p waits for its target to be
// healthy, or, for a one-shot, to complete; a healthy wait needs a
// healthcheck.
func checkDependenciesWait(t *testing.T, p *types.Project) {
	t.Helper()
	for _, s := range p.Services {
		for name, dep := range s.DependsOn {
			target, err := p.GetService(name)
			if err != nil {
				t.Errorf("%s waits for %s: %v", s.Name, name, err)
				continue
			}
			want := types.ServiceConditionHealthy
			if oneShot(target) {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if dep.Condition != want {
				t.Errorf("%s waits for %s to be %q, want %q", s.Name, name, dep.Condition, want)
			}
			if want == types.ServiceConditionHealthy && target.HealthCheck == nil {
				t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", s.Name, name, name)
			}
		}
	}
}

func TestStatefulServicesKeepTheirDataUnderDataDir(t *testing.T) {
	for name, dataDir := range map[string]string{
		"relative default": "./data",
		"NAS volume":       "/volume1/docker/scanium/data",
	} {
		t.Run(name, func(t *testing.T) {
			p := loadExample(t, map[string]string{"DATA_DIR": dataDir})
			root := dataDir
			if !filepath.IsAbs(root) {
				abs, err := filepath.Abs(root)
				if err != nil {
					t.Fatal(err)
				}
				root = abs
			}
			if len(p.Volumes) > 0 {
				t.Errorf("named volumes %v: keep every service's data under DATA_DIR", slices.Sorted(maps.Keys(p.Volumes)))
			}
			for svc, target := range statefulServices {
				want := filepath.Join(root, strings.TrimPrefix(svc, "scanium-"))
				found := slices.ContainsFunc(service(t, p, svc).Volumes, func(v types.ServiceVolumeConfig) bool {
					return v.Type == types.VolumeTypeBind && v.Source == want && v.Target == target && !v.ReadOnly
				})
				if !found {
					t.Errorf("%s does not mount %s at %s", svc, want, target)
				}
			}
			for _, s := range p.Services {
				for _, v := range s.Volumes {
					if v.Type == types.VolumeTypeBind && !v.ReadOnly && !strings.HasPrefix(v.Source+"/", root+"/") {
						t.Errorf("%s writes to %s, outside DATA_DIR", s.Name, v.Source)
					}
				}
			}
		})
	}
}

func TestOnlyGrafanaAndTheBackendArePublished(t *testing.T) {
	p := loadExample(t, nil)
	published := map[string][]uint32{}
	for _, s := range p.Services {
		for _, port := range s.Ports {
			published[s.Name] = append(published[s.Name], port.Target)
		}
	}
	want := map[string][]uint32{backendService: {8080}, grafanaService: {3000}}
	if !maps.EqualFunc(published, want, slices.Equal) {
		t.Errorf("published ports = %v, want %v", published, want)
	}
}

func TestEnvExampleListsExactlyTheInterpolatedVariables(t *testing.T) {
	used, err := InterpolatedVariables(".")
	if err != nil {
		t.Fatal(err)
	}
	example, err := ReadEnvFile(EnvExampleFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range used {
		if _, ok := example[name]; !ok {
			t.Errorf("%s or %s uses ${%s}, which %s does not list", ComposeFile, ScaleFile, name, EnvExampleFile)
		}
	}
	for name := range example {
		if !slices.Contains(used, name) {
			t.Errorf("%s lists %s, which neither %s nor %s uses", EnvExampleFile, name, ComposeFile, ScaleFile)
		}
	}
}

func TestEnvExampleExplainsEveryVariable(t *testing.T) {
	comments, err := commentedVariables(EnvExampleFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, comment := range comments {
		if comment == "" {
			t.Errorf("%s: %s has no comment above it", EnvExampleFile, name)
		}
	}
}

func TestInterpolationsFollowComposeSyntax(t *testing.T) {
	text := "a: ${A}\nb: ${B:-x}\nc: ${C:?set C}\nd: $D\ne: $$NOT_A_VAR\nf: ${A-y} $$ ${E_1}"
	want := []string{"A", "B", "C", "D", "E_1"}
	if got := Interpolations(text); !slices.Equal(got, want) {
		t.Errorf("Interpolations() = %v, want %v", got, want)
	}
}
