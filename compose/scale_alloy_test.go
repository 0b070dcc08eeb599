package compose

import (
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/scanium/openai-monitoring/alloy"
)

// This file checks the Alloy cluster of the scale-out profile: each replica
// runs the NAS's config.alloy, unchanged, with the NAS's command line plus
// the cluster flags, and the pipeline's endpoints reach the gateway.

// The flags of `alloy run` the overlay may add to the NAS's command line
// (https://grafana.com/docs/alloy/latest/reference/cli/run/).
var alloyClusterFlags = []string{
	"--cluster.enabled", "--cluster.node-name", "--cluster.join-addresses",
	"--cluster.advertise-address", "--cluster.name",
}

// alloyRun is a parsed `alloy run` command line.
type alloyRun struct {
	flags  map[string]string
	order  []string
	config string
}

func parseAlloyRun(t *testing.T, service string, command []string) alloyRun {
	t.Helper()
	if len(command) < 2 || command[0] != "run" {
		t.Fatalf("%s: command %q is not `run [flags] <config>`", service, command)
	}
	run := alloyRun{flags: map[string]string{}, config: command[len(command)-1]}
	if strings.HasPrefix(run.config, "-") {
		t.Fatalf("%s: command %q names no configuration file last", service, command)
	}
	for _, arg := range command[1 : len(command)-1] {
		name, value, ok := strings.Cut(arg, "=")
		if !ok || !strings.HasPrefix(name, "--") {
			t.Fatalf("%s: argument %q: write flags as --name=value", service, arg)
		}
		if _, dup := run.flags[name]; dup {
			t.Errorf("%s: %s is given twice", service, name)
		}
		run.flags[name] = value
		run.order = append(run.order, name)
	}
	return run
}

// alloyConfigSource returns the host file a service mounts at path.
func alloyConfigSource(s types.ServiceConfig, path string) (string, bool) {
	for _, v := range s.Volumes {
		if v.Target == path {
			return v.Source, v.ReadOnly
		}
	}
	return "", false
}

// loadScaleAlloyPipeline parses the configuration the first Alloy replica
// mounts, with Alloy's own parser.
func loadScaleAlloyPipeline(t *testing.T) *alloy.Pipeline {
	t.Helper()
	p := loadScale(t, nil, nil)
	s := service(t, p, scaleReplicasOf(t, "alloy")[0])
	run := parseAlloyRun(t, s.Name, s.Command)
	source, _ := alloyConfigSource(s, run.config)
	raw, err := os.ReadFile(source)
	if err != nil {
		t.Fatalf("%s mounts %s at %s: %v", s.Name, source, run.config, err)
	}
	pipeline, err := alloy.Parse(source, raw)
	if err != nil {
		t.Fatal(err)
	}
	return pipeline
}

func TestScaleAlloyReplicasRunTheNASCommandLineAsACluster(t *testing.T) {
	nas := loadExample(t, nil)
	p := loadScale(t, nil, nil)
	base := service(t, nas, alloyService)
	baseRun := parseAlloyRun(t, alloyService, base.Command)
	baseSource, _ := alloyConfigSource(base, baseRun.config)
	replicas := scaleReplicasOf(t, "alloy")
	listen := baseRun.flags["--server.http.listen-addr"]
	_, httpPort, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatalf("%s: --server.http.listen-addr=%q: %v", alloyService, listen, err)
	}
	var wantPeers []string
	for _, r := range replicas {
		wantPeers = append(wantPeers, net.JoinHostPort(r, httpPort))
	}
	slices.Sort(wantPeers)
	nodes := map[string]string{}
	for _, name := range replicas {
		s := service(t, p, name)
		run := parseAlloyRun(t, name, s.Command)
		for flag, value := range baseRun.flags {
			if run.flags[flag] != value {
				t.Errorf("%s: %s=%q, but %s runs with %q", name, flag, run.flags[flag], alloyService, value)
			}
		}
		for flag := range run.flags {
			if _, nasFlag := baseRun.flags[flag]; !nasFlag && !slices.Contains(alloyClusterFlags, flag) {
				t.Errorf("%s adds %s: only cluster flags (%v) differ from the NAS", name, flag, alloyClusterFlags)
			}
		}
		if run.flags["--cluster.enabled"] != "true" {
			t.Errorf("%s: --cluster.enabled=%q, want true", name, run.flags["--cluster.enabled"])
		}
		node := run.flags["--cluster.node-name"]
		if node != s.Hostname {
			t.Errorf("%s: --cluster.node-name=%q, want its host name %q", name, node, s.Hostname)
		}
		if other, dup := nodes[node]; dup {
			t.Errorf("%s and %s are both cluster node %q", name, other, node)
		}
		nodes[node] = name
		peers := strings.Split(run.flags["--cluster.join-addresses"], ",")
		slices.Sort(peers)
		if !slices.Equal(peers, wantPeers) {
			t.Errorf("%s: --cluster.join-addresses=%v, want every replica on Alloy's HTTP port: %v", name, peers, wantPeers)
		}
		if run.config != baseRun.config {
			t.Errorf("%s reads %s, %s reads %s", name, run.config, alloyService, baseRun.config)
		}
		source, readOnly := alloyConfigSource(s, run.config)
		if source != baseSource || !readOnly {
			t.Errorf("%s mounts %s (read-only %v) at %s, want the NAS's %s read-only: one pipeline for both", name, source, readOnly, run.config, baseSource)
		}
	}
	if _, err := strconv.Atoi(httpPort); err != nil {
		t.Errorf("Alloy's HTTP port %q is not a number", httpPort)
	}
}

func TestScaleAlloyPipelineIsTheBundlesAndReachesTheGateway(t *testing.T) {
	pipeline := loadScaleAlloyPipeline(t)
	bundle, err := alloy.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pipeline.Components(), bundle.Components()) {
		t.Errorf("the replicas' pipeline has %v, the bundle's %v", pipeline.Components(), bundle.Components())
	}
	if undefined := pipeline.Undefined(); len(undefined) > 0 {
		t.Errorf("references to undefined components: %s", strings.Join(undefined, "; "))
	}
	p := loadScale(t, nil, nil)
	gateway := loadNginx(t, nginxFronts[scaleGatewayService])
	for _, tc := range []struct{ id, attr, block string }{
		{alloyRemoteWrite, "url", "endpoint"},
		{alloyTempo, "endpoint", "client"},
		{alloyLoki, "endpoint", "client"},
	} {
		u := parseURL(t, tc.id, alloyString(t, pipeline, tc.id, tc.block, tc.attr))
		if got := scaleServiceAt(p, u.Hostname()); !slices.Equal(got, []string{scaleGatewayService}) {
			t.Errorf("%s sends to %s, which reaches %v, want %s", tc.id, u, got, scaleGatewayService)
		}
		if _, ok := gateway.routes[mustAtoi(t, u.Port())]; !ok {
			t.Errorf("%s sends to port %s, where %s does not listen", tc.id, u.Port(), scaleGatewayService)
		}
	}
}
