package compose

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/scanium/openai-monitoring/internal/signals"
	"github.com/scanium/openai-monitoring/mimir"
)

// This file reads the scale-out profile's nginx configurations
// (compose/scale/nginx/*.conf) as nginx parses them, directives and blocks,
// and checks them against compose: each load balancer listens where compose
// says, sends each path to the replicas of the right role on the port they
// serve, and leaves none of them out.

// nginxDirective is one directive of an nginx configuration, with the
// directives of its block if it has one.
type nginxDirective struct {
	name     string
	args     []string
	children []nginxDirective
}

// parseNginx parses an nginx configuration: directives end with ";" or
// open a block "{ ... }"; "#" starts a comment; quoted strings are one
// argument.
func parseNginx(src string) ([]nginxDirective, error) {
	var tokens []string
	for _, line := range strings.Split(src, "\n") {
		for i := 0; i < len(line); {
			switch c := line[i]; {
			case c == '#':
				i = len(line)
			case c == ' ' || c == '\t' || c == '\r':
				i++
			case c == '{' || c == '}' || c == ';':
				tokens = append(tokens, string(c))
				i++
			case c == '"' || c == '\'':
				end := strings.IndexByte(line[i+1:], c)
				if end < 0 {
					return nil, fmt.Errorf("unterminated string in %q", line)
				}
				tokens = append(tokens, line[i+1:i+1+end])
				i += end + 2
			default:
				j := i
				for j < len(line) && !strings.ContainsRune(" \t\r{};#", rune(line[j])) {
					j++
				}
				tokens = append(tokens, line[i:j])
				i = j
			}
		}
	}
	pos := 0
	var block func(depth int) ([]nginxDirective, error)
	block = func(depth int) ([]nginxDirective, error) {
		var out []nginxDirective
		var current []string
		for pos < len(tokens) {
			tok := tokens[pos]
			pos++
			switch tok {
			case ";":
				if len(current) == 0 {
					return nil, fmt.Errorf("empty directive")
				}
				out = append(out, nginxDirective{name: current[0], args: current[1:]})
				current = nil
			case "{":
				if len(current) == 0 {
					return nil, fmt.Errorf("block without a directive")
				}
				children, err := block(depth + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, nginxDirective{name: current[0], args: current[1:], children: children})
				current = nil
			case "}":
				if depth == 0 || len(current) > 0 {
					return nil, fmt.Errorf("unexpected }")
				}
				return out, nil
			default:
				current = append(current, tok)
			}
		}
		if depth > 0 || len(current) > 0 {
			return nil, fmt.Errorf("unexpected end of file")
		}
		return out, nil
	}
	return block(0)
}

// nginxConf is what the checks need of one nginx configuration.
type nginxConf struct {
	file string
	// upstreams maps an upstream's name to its servers (host:port).
	upstreams map[string][]string
	// routes maps a listen port to its locations, each to the upstream it
	// passes to ("" for a location that answers itself).
	routes map[int]map[string]string
	// grpcRoutes maps a listen port to its locations that pass gRPC (an
	// `if` on the content type) to an upstream.
	grpcRoutes map[int]map[string]string
	// http2 lists the listen ports with http2 on.
	http2 []int
	// answers maps a listen port to the locations that return a response.
	answers map[int][]string
}

func loadNginx(t *testing.T, path string) nginxConf {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	top, err := parseNginx(string(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	conf := nginxConf{
		file: path, upstreams: map[string][]string{}, routes: map[int]map[string]string{},
		grpcRoutes: map[int]map[string]string{}, answers: map[int][]string{},
	}
	var http *nginxDirective
	for i := range top {
		if top[i].name == "http" {
			http = &top[i]
		}
	}
	if http == nil {
		t.Fatalf("%s has no http block", path)
	}
	resolver := false
	for _, d := range http.children {
		switch d.name {
		case "resolver":
			resolver = true
		case "upstream":
			if len(d.args) != 1 {
				t.Fatalf("%s: upstream %v", path, d.args)
			}
			zone := false
			for _, s := range d.children {
				switch s.name {
				case "zone":
					zone = true
				case "server":
					if len(s.args) == 0 {
						t.Fatalf("%s: upstream %s: server without an address", path, d.args[0])
					}
					conf.upstreams[d.args[0]] = append(conf.upstreams[d.args[0]], s.args[0])
					if !slices.Contains(s.args, "resolve") {
						t.Errorf("%s: upstream %s: server %s is resolved once at start; add resolve so that a recreated replica is found", path, d.args[0], s.args[0])
					}
				}
			}
			if !zone {
				t.Errorf("%s: upstream %s has no zone, which resolve needs", path, d.args[0])
			}
		case "server":
			var ports []int
			locations := map[string]string{}
			grpcLocations := map[string]string{}
			var answers []string
			http2 := false
			for _, s := range d.children {
				switch s.name {
				case "http2":
					http2 = slices.Equal(s.args, []string{"on"})
				case "listen":
					port, err := strconv.Atoi(s.args[0])
					if err != nil {
						t.Fatalf("%s: listen %v: want a port", path, s.args)
					}
					ports = append(ports, port)
				case "location":
					where := s.args[len(s.args)-1]
					for _, l := range s.children {
						switch l.name {
						case "proxy_pass", "grpc_pass":
							u := l.args[0]
							_, rest, _ := strings.Cut(u, "://")
							locations[where] = rest
						case "return":
							answers = append(answers, where)
						case "if":
							for _, c := range l.children {
								if c.name == "grpc_pass" {
									_, rest, _ := strings.Cut(c.args[0], "://")
									grpcLocations[where] = rest
								}
							}
						}
					}
				}
			}
			for _, port := range ports {
				conf.routes[port] = locations
				conf.grpcRoutes[port] = grpcLocations
				conf.answers[port] = answers
				if http2 {
					conf.http2 = append(conf.http2, port)
				}
			}
		}
	}
	if !resolver && len(conf.upstreams) > 0 {
		t.Errorf("%s has upstreams but no resolver", path)
	}
	for _, routes := range []map[int]map[string]string{conf.routes, conf.grpcRoutes} {
		for port, locations := range routes {
			for where, upstream := range locations {
				if _, ok := conf.upstreams[upstream]; !ok {
					t.Errorf("%s: port %d: location %s passes to %q, which is no upstream", path, port, where, upstream)
				}
			}
		}
	}
	return conf
}

// route returns the upstream's servers that path on port reaches, by
// nginx's prefix rule: the longest matching prefix (an exact "=" location
// is written as its path here).
func (c nginxConf) route(port int, path string) []string {
	return c.routeIn(c.routes, port, path)
}

// grpcRoute is route for a gRPC request.
func (c nginxConf) grpcRoute(port int, path string) []string {
	return c.routeIn(c.grpcRoutes, port, path)
}

func (c nginxConf) routeIn(routes map[int]map[string]string, port int, path string) []string {
	best, upstream := "", ""
	for where, u := range routes[port] {
		if strings.HasPrefix(path, where) && len(where) > len(best) {
			best, upstream = where, u
		}
	}
	servers := slices.Clone(c.upstreams[upstream])
	slices.Sort(servers)
	return servers
}

// hostPorts returns replicas at port, sorted.
func hostPorts(replicas []string, port int) []string {
	var out []string
	for _, r := range replicas {
		out = append(out, net.JoinHostPort(r, strconv.Itoa(port)))
	}
	slices.Sort(out)
	return out
}

// nginxFronts maps each nginx service of the overlay to its configuration.
var nginxFronts = map[string]string{
	scaleGatewayService:   filepath.Join("scale", "nginx", "gateway.conf"),
	scaleOTLPLBService:    filepath.Join("scale", "nginx", "otlp-lb.conf"),
	scaleLBService:        filepath.Join("scale", "nginx", "lb.conf"),
	scaleGrafanaLBService: filepath.Join("scale", "nginx", "grafana-lb.conf"),
}

func TestParseNginxReadsBlocksAndRefusesBrokenOnes(t *testing.T) {
	top, err := parseNginx("events { }\nhttp {\n  upstream a { zone a 64k; server h:1 resolve; } # x\n  server { listen 80; location = /x { return 200 \"ok;\"; } }\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 2 || top[1].name != "http" || len(top[1].children) != 2 {
		t.Fatalf("parsed %+v", top)
	}
	if got := top[1].children[1].children[1].children[0].args; !slices.Equal(got, []string{"200", "ok;"}) {
		t.Errorf("return args = %q", got)
	}
	for _, bad := range []string{"http {", "http { }}", "listen 80", "{ }"} {
		if _, err := parseNginx(bad); err == nil {
			t.Errorf("parseNginx(%q) accepts it", bad)
		}
	}
}

func TestScaleNginxFrontsListenWhereComposeSaysAndCheckHealth(t *testing.T) {
	p := loadScale(t, nil, nil)
	for name, file := range nginxFronts {
		s := service(t, p, name)
		conf := loadNginx(t, file)
		mounted := slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
			return strings.HasSuffix(v.Source, "/"+filepath.ToSlash(file)) && v.Target == "/etc/nginx/nginx.conf" && v.ReadOnly
		})
		if !mounted {
			t.Errorf("%s does not mount %s read-only at /etc/nginx/nginx.conf", name, file)
		}
		var ports []int
		for _, e := range s.Expose {
			ports = append(ports, mustAtoi(t, e))
		}
		for _, pc := range s.Ports {
			ports = append(ports, int(pc.Target))
		}
		slices.Sort(ports)
		listening := make([]int, 0, len(conf.routes))
		for port := range conf.routes {
			listening = append(listening, port)
		}
		slices.Sort(listening)
		if !slices.Equal(slices.Compact(ports), listening) {
			t.Errorf("%s exposes or publishes %v, %s listens on %v", name, ports, file, listening)
		}
		hc := s.HealthCheck
		if hc == nil || len(hc.Test) < 2 {
			t.Errorf("%s has no healthcheck", name)
			continue
		}
		probe := hc.Test[len(hc.Test)-1]
		u := parseURL(t, name+" healthcheck", probe)
		if !slices.Contains(conf.answers[mustAtoi(t, u.Port())], u.Path) {
			t.Errorf("%s probes %s, which %s does not answer", name, probe, file)
		}
	}
}

// TestScaleNginxSendsEachPathToItsRole checks the routes that the bundle's
// clients take, against the ports the replicas serve.
func TestScaleNginxSendsEachPathToItsRole(t *testing.T) {
	p := loadScale(t, nil, nil)
	gateway := loadNginx(t, nginxFronts[scaleGatewayService])
	otlp := loadNginx(t, nginxFronts[scaleOTLPLBService])
	lb := loadNginx(t, nginxFronts[scaleLBService])
	grafana := loadNginx(t, nginxFronts[scaleGrafanaLBService])

	var mimirCfg scaleMimirConfig
	scaleDecodeStrict(t, scaleMimirFile, &mimirCfg)
	var lokiCfg scaleLokiConfig
	scaleDecodeStrict(t, scaleLokiFile, &lokiCfg)
	var tempoCfg scaleTempoConfig
	scaleDecodeStrict(t, scaleTempoFile, &tempoCfg)
	tempoOTLP := func(protocol string) int {
		endpoint, _ := scaleAt(map[string]any{"d": tempoCfg.Distributor}, "d.receivers.otlp.protocols."+protocol+".endpoint").(string)
		return port(t, "tempo "+protocol+" receiver", endpoint)
	}
	backendPort, _ := env(service(t, p, "scanium-backend-1"), "PORT")
	alloyPipeline := loadScaleAlloyPipeline(t)
	alloyHTTP := port(t, "alloy http receiver", alloyString(t, alloyPipeline, alloyReceiver, "http", "endpoint"))
	alloyGRPC := port(t, "alloy grpc receiver", alloyString(t, alloyPipeline, alloyReceiver, "grpc", "endpoint"))
	prefix := mimirCfg.API.PrometheusHTTPPrefix

	for _, tc := range []struct {
		what  string
		conf  nginxConf
		port  int
		path  string
		want  []string
		front string
	}{
		{"Mimir remote write", gateway, scaleMimirHTTPPort, mimir.PushPath, hostPorts(scaleReplicasOf(t, "mimir write"), mimirCfg.Server.HTTPListenPort), scaleGatewayService},
		{"Mimir PromQL", gateway, scaleMimirHTTPPort, prefix + "/api/v1/query_range", hostPorts(scaleReplicasOf(t, "mimir read"), mimirCfg.Server.HTTPListenPort), scaleGatewayService},
		{"Mimir labels", gateway, scaleMimirHTTPPort, prefix + "/api/v1/labels", hostPorts(scaleReplicasOf(t, "mimir read"), mimirCfg.Server.HTTPListenPort), scaleGatewayService},
		{"Mimir rules", gateway, scaleMimirHTTPPort, prefix + "/api/v1/rules", hostPorts(scaleReplicasOf(t, "mimir backend"), mimirCfg.Server.HTTPListenPort), scaleGatewayService},
		{"Mimir Alertmanager", gateway, scaleMimirHTTPPort, "/alertmanager/api/v2/status", hostPorts(scaleReplicasOf(t, "mimir backend"), mimirCfg.Server.HTTPListenPort), scaleGatewayService},
		{"Loki OTLP", gateway, scaleLokiHTTPPort, signals.LokiOTLPLogsPath, hostPorts(scaleReplicasOf(t, "loki write"), lokiCfg.Server.HTTPListenPort), scaleGatewayService},
		{"Loki push", gateway, scaleLokiHTTPPort, "/loki/api/v1/push", hostPorts(scaleReplicasOf(t, "loki write"), lokiCfg.Server.HTTPListenPort), scaleGatewayService},
		{"LogQL", gateway, scaleLokiHTTPPort, "/loki/api/v1/query_range", hostPorts(scaleReplicasOf(t, "loki read"), lokiCfg.Server.HTTPListenPort), scaleGatewayService},
		{"TraceQL", gateway, scaleTempoHTTPPort, "/api/search", hostPorts(scaleReplicasOf(t, "tempo"), tempoCfg.Server.HTTPListenPort), scaleGatewayService},
		{"Tempo OTLP/HTTP", gateway, scaleOTLPHTTPPort, "/v1/traces", hostPorts(scaleReplicasOf(t, "tempo"), tempoOTLP("http")), scaleGatewayService},
		{"Tempo OTLP/gRPC", gateway, scaleOTLPGRPCPort, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", hostPorts(scaleReplicasOf(t, "tempo"), tempoOTLP("grpc")), scaleGatewayService},
		{"Alloy OTLP/HTTP", otlp, scaleOTLPHTTPPort, "/v1/metrics", hostPorts(scaleReplicasOf(t, "alloy"), alloyHTTP), scaleOTLPLBService},
		{"Alloy OTLP/gRPC", otlp, scaleOTLPGRPCPort, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", hostPorts(scaleReplicasOf(t, "alloy"), alloyGRPC), scaleOTLPLBService},
		{"the backend's chat API", lb, scaleBackendHTTPPort, "/api/assistant/chat", hostPorts(scaleReplicasOf(t, "backend"), mustAtoi(t, backendPort)), scaleLBService},
		{"Grafana", grafana, scaleGrafanaHTTPPort, "/api/health", hostPorts(scaleReplicasOf(t, "grafana"), grafanaHTTPPort), scaleGrafanaLBService},
	} {
		got := tc.conf.route(tc.port, tc.path)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %s:%d%s goes to %v, want %v", tc.what, tc.front, tc.port, tc.path, got, tc.want)
		}
	}
	// gRPC: OTLP and Tempo's streamed queries (stream_over_http_enabled)
	// need HTTP/2 from the client and grpc_pass to the replicas.
	if !tempoCfg.StreamOverHTTPEnabled {
		t.Errorf("%s: stream_over_http_enabled is off; the gateway's gRPC route on %d leads nowhere", scaleTempoFile, scaleTempoHTTPPort)
	}
	for _, tc := range []struct {
		conf  nginxConf
		port  int
		plain bool
	}{
		{gateway, scaleOTLPGRPCPort, false}, {otlp, scaleOTLPGRPCPort, false}, {gateway, scaleTempoHTTPPort, true},
	} {
		if !slices.Contains(tc.conf.http2, tc.port) {
			t.Errorf("%s: port %d carries gRPC but has no `http2 on`", tc.conf.file, tc.port)
		}
		if tc.plain && len(tc.conf.grpcRoutes[tc.port]) == 0 {
			t.Errorf("%s: port %d sends gRPC requests to proxy_pass, which speaks HTTP/1.1", tc.conf.file, tc.port)
		}
	}
	if got, want := gateway.grpcRoute(scaleTempoHTTPPort, "/tempopb.StreamingQuerier/Search"), hostPorts(scaleReplicasOf(t, "tempo"), tempoCfg.Server.HTTPListenPort); !slices.Equal(got, want) {
		t.Errorf("Tempo's streamed search: %s:%d goes to %v, want %v", scaleGatewayService, scaleTempoHTTPPort, got, want)
	}

	// Every upstream server is a running service.
	for _, conf := range []nginxConf{gateway, otlp, lb, grafana} {
		for name, servers := range conf.upstreams {
			for _, server := range servers {
				host, _, err := net.SplitHostPort(server)
				if err != nil {
					t.Errorf("%s: upstream %s: server %q: %v", conf.file, name, server, err)
					continue
				}
				if got := scaleServiceAt(p, host); len(got) != 1 || got[0] != host {
					t.Errorf("%s: upstream %s: %s is not a service of the scale-out profile (%v)", conf.file, name, host, got)
				}
			}
		}
	}
}
