package mimir

import (
	"path"
	"strconv"
	"strings"
	"testing"
	"time"
)

func bundle(t *testing.T) Config {
	t.Helper()
	cfg, err := Bundle()
	if err != nil {
		t.Fatalf("mimir.yaml: %v", err)
	}
	return cfg
}

func TestBundleRunsOneProcessForOneTenant(t *testing.T) {
	cfg := bundle(t)
	if cfg.Target != "all" {
		t.Errorf("target = %q, want all (monolithic mode)", cfg.Target)
	}
	if cfg.MultitenancyEnabled == nil || *cfg.MultitenancyEnabled {
		t.Error("multitenancy_enabled must be set to false: Alloy and Grafana send no X-Scope-OrgID")
	}
}

func TestBundleServesTheBundlePorts(t *testing.T) {
	cfg := bundle(t)
	if cfg.Server.HTTPListenPort != 9009 {
		t.Errorf("server.http_listen_port = %d, want 9009 (the bundle's fixed Mimir port)", cfg.Server.HTTPListenPort)
	}
	if cfg.Server.GRPCListenPort == 0 || cfg.Server.GRPCListenPort == cfg.Server.HTTPListenPort {
		t.Errorf("server.grpc_listen_port = %d: set a port of its own", cfg.Server.GRPCListenPort)
	}
	if cfg.API.PrometheusHTTPPrefix != "/prometheus" {
		t.Errorf("api.prometheus_http_prefix = %q, want /prometheus: Grafana's data source URL ends with it", cfg.API.PrometheusHTTPPrefix)
	}
}

func TestBundleKeepsEverythingOnTheVolume(t *testing.T) {
	cfg := bundle(t)
	if cfg.BlocksStorage.Backend != "filesystem" {
		t.Errorf("blocks_storage.backend = %q, want filesystem", cfg.BlocksStorage.Backend)
	}
	for _, key := range []string{
		"blocks_storage.filesystem.dir",
		"blocks_storage.bucket_store.sync_dir",
		"blocks_storage.tsdb.dir",
		"compactor.data_dir",
		"activity_tracker.filepath",
	} {
		if _, ok := cfg.Paths[key]; !ok {
			t.Errorf("%s is not set: its default is relative to the working directory, off the volume", key)
		}
	}
	seen := map[string]string{}
	for key, p := range cfg.Paths {
		if !path.IsAbs(p) || !strings.HasPrefix(path.Clean(p)+"/", DataDir+"/") || path.Clean(p) == DataDir {
			t.Errorf("%s = %q: put it under %s/, the mounted volume", key, p, DataDir)
		}
		if other, dup := seen[path.Clean(p)]; dup {
			t.Errorf("%s and %s share the directory %q", key, other, p)
		}
		seen[path.Clean(p)] = key
	}
}

func TestBundleLimitsAreSizedForANAS(t *testing.T) {
	l := bundle(t).Limits
	retention := mustDuration(t, "compactor_blocks_retention_period", l.CompactorBlocksRetentionPeriod)
	if retention < 7*24*time.Hour {
		t.Errorf("compactor_blocks_retention_period = %s: keep at least a week", l.CompactorBlocksRetentionPeriod)
	}
	if lookback := mustDuration(t, "max_query_lookback", l.MaxQueryLookback); lookback != retention {
		t.Errorf("max_query_lookback = %s, want the retention period %s", l.MaxQueryLookback, l.CompactorBlocksRetentionPeriod)
	}
	mustDuration(t, "out_of_order_time_window", l.OutOfOrderTimeWindow)
	if l.IngestionRate <= 0 || l.IngestionBurstSize < int(l.IngestionRate) {
		t.Errorf("ingestion_rate = %v, ingestion_burst_size = %d: set both, the burst at least the rate", l.IngestionRate, l.IngestionBurstSize)
	}
	if l.MaxGlobalSeriesPerUser <= 0 || l.MaxGlobalSeriesPerUser > 1_000_000 {
		t.Errorf("max_global_series_per_user = %d: set a bound a NAS can hold", l.MaxGlobalSeriesPerUser)
	}
	if l.MaxLabelNamesPerSeries <= 0 {
		t.Errorf("max_label_names_per_series = %d: set a bound", l.MaxLabelNamesPerSeries)
	}
}

func TestParseRejectsWhatIsNotAMimirConfiguration(t *testing.T) {
	for name, src := range map[string]string{
		"empty":       "",
		"not yaml":    "target: [all",
		"wrong types": "server:\n  http_listen_port: nine\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(src)); err == nil {
				t.Error("Parse succeeded, want an error")
			}
		})
	}
}

func TestParseCollectsNestedPaths(t *testing.T) {
	cfg, err := Parse([]byte("a:\n  b:\n    dir: /data/x\n  data_dir: /tmp/y\nname: dir\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.b.dir": "/data/x", "a.data_dir": "/tmp/y"}
	if len(cfg.Paths) != len(want) {
		t.Fatalf("Paths = %v, want %v", cfg.Paths, want)
	}
	for k, v := range want {
		if cfg.Paths[k] != v {
			t.Errorf("Paths[%s] = %q, want %q", k, cfg.Paths[k], v)
		}
	}
}

// mustDuration parses a Mimir duration: Go's syntax, plus whole days (90d).
func mustDuration(t *testing.T, key, s string) time.Duration {
	t.Helper()
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		t.Errorf("%s = %q: want a positive duration such as 90d or 10m", key, s)
		return 0
	}
	return d
}

func TestBundleAcceptsExemplars(t *testing.T) {
	n := bundle(t).Limits.MaxGlobalExemplarsPerUser
	if n <= 0 {
		t.Fatalf("limits.max_global_exemplars_per_user = %d: Mimir drops every exemplar unless it is above 0, and no trace opens from a graph", n)
	}
	// Exemplars live in the ingester's memory, a few hundred bytes each.
	if n > 1_000_000 {
		t.Errorf("limits.max_global_exemplars_per_user = %d: more than a NAS's ingester should hold in memory", n)
	}
}
