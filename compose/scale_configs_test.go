package compose

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/scanium/openai-monitoring/mimir"
)

// This file checks the engines' configurations of the scale-out profile,
// compose/scale/{mimir,loki,tempo}.yaml: they decode into the keys the
// engines document (an unknown or misspelled key fails), every store is on
// the MinIO service, the rings gossip among exactly the replicas compose
// runs, and what the NAS configures (limits, schema, retention, the metrics
// generator) is the same value here.

// Files of the scale-out profile, relative to this folder.
var (
	scaleMimirFile = filepath.Join("scale", "mimir.yaml")
	scaleLokiFile  = filepath.Join("scale", "loki.yaml")
	scaleTempoFile = filepath.Join("scale", "tempo.yaml")
	nasMimirFile   = filepath.Join("..", "mimir", mimir.ConfigFile)
	nasLokiFile    = filepath.Join("loki", "loki.yaml")
	nasTempoFile   = filepath.Join("tempo", "tempo.yaml")
)

// The environment variables the configs expand (-config.expand-env=true).
const (
	scaleAccessKeyRef = "${S3_ACCESS_KEY_ID}"
	scaleSecretKeyRef = "${S3_SECRET_ACCESS_KEY}"
)

type scaleKVStore struct {
	KVStore struct {
		Store string `yaml:"store"`
	} `yaml:"kvstore"`
}

type scaleRing struct {
	KVStore struct {
		Store string `yaml:"store"`
	} `yaml:"kvstore"`
	ReplicationFactor int `yaml:"replication_factor"`
}

// scaleMimirConfig holds the keys of compose/scale/mimir.yaml, as Mimir's
// configuration reference names them
// (https://grafana.com/docs/mimir/latest/configure/configuration-parameters/).
type scaleMimirConfig struct {
	MultitenancyEnabled bool `yaml:"multitenancy_enabled"`
	Server              struct {
		HTTPListenPort int    `yaml:"http_listen_port"`
		GRPCListenPort int    `yaml:"grpc_listen_port"`
		LogLevel       string `yaml:"log_level"`
	} `yaml:"server"`
	API struct {
		PrometheusHTTPPrefix string `yaml:"prometheus_http_prefix"`
	} `yaml:"api"`
	ActivityTracker struct {
		Filepath string `yaml:"filepath"`
	} `yaml:"activity_tracker"`
	Memberlist struct {
		JoinMembers []string `yaml:"join_members"`
	} `yaml:"memberlist"`
	Common struct {
		Storage struct {
			Backend string       `yaml:"backend"`
			S3      scaleMimirS3 `yaml:"s3"`
		} `yaml:"storage"`
	} `yaml:"common"`
	BlocksStorage struct {
		Backend     string       `yaml:"backend"`
		S3          scaleMimirS3 `yaml:"s3"`
		BucketStore struct {
			SyncDir string `yaml:"sync_dir"`
		} `yaml:"bucket_store"`
		TSDB struct {
			Dir string `yaml:"dir"`
		} `yaml:"tsdb"`
	} `yaml:"blocks_storage"`
	Compactor struct {
		DataDir      string       `yaml:"data_dir"`
		ShardingRing scaleKVStore `yaml:"sharding_ring"`
	} `yaml:"compactor"`
	Distributor struct {
		Ring scaleKVStore `yaml:"ring"`
	} `yaml:"distributor"`
	Ingester struct {
		Ring scaleRing `yaml:"ring"`
	} `yaml:"ingester"`
	StoreGateway struct {
		ShardingRing scaleRing `yaml:"sharding_ring"`
	} `yaml:"store_gateway"`
	QueryScheduler struct {
		ServiceDiscoveryMode string       `yaml:"service_discovery_mode"`
		Ring                 scaleKVStore `yaml:"ring"`
	} `yaml:"query_scheduler"`
	Ruler struct {
		RulePath string       `yaml:"rule_path"`
		Ring     scaleKVStore `yaml:"ring"`
	} `yaml:"ruler"`
	RulerStorage struct {
		Backend string       `yaml:"backend"`
		S3      scaleMimirS3 `yaml:"s3"`
	} `yaml:"ruler_storage"`
	Alertmanager struct {
		DataDir      string    `yaml:"data_dir"`
		ExternalURL  string    `yaml:"external_url"`
		ShardingRing scaleRing `yaml:"sharding_ring"`
	} `yaml:"alertmanager"`
	AlertmanagerStorage struct {
		Backend string       `yaml:"backend"`
		S3      scaleMimirS3 `yaml:"s3"`
	} `yaml:"alertmanager_storage"`
	Limits     mimir.Limits `yaml:"limits"`
	UsageStats struct {
		Enabled bool `yaml:"enabled"`
	} `yaml:"usage_stats"`
}

type scaleMimirS3 struct {
	Endpoint        string `yaml:"endpoint"`
	BucketName      string `yaml:"bucket_name"`
	Insecure        bool   `yaml:"insecure"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
}

// scaleLokiConfig holds the keys of compose/scale/loki.yaml, as Loki's
// configuration reference names them
// (https://grafana.com/docs/loki/latest/configure/).
type scaleLokiConfig struct {
	AuthEnabled bool `yaml:"auth_enabled"`
	Server      struct {
		HTTPListenPort int    `yaml:"http_listen_port"`
		GRPCListenPort int    `yaml:"grpc_listen_port"`
		LogLevel       string `yaml:"log_level"`
	} `yaml:"server"`
	Memberlist struct {
		JoinMembers []string `yaml:"join_members"`
	} `yaml:"memberlist"`
	Common struct {
		PathPrefix        string       `yaml:"path_prefix"`
		ReplicationFactor int          `yaml:"replication_factor"`
		Ring              scaleKVStore `yaml:"ring"`
		CompactorAddress  string       `yaml:"compactor_address"`
		Storage           struct {
			S3 struct {
				Endpoint         string `yaml:"endpoint"`
				BucketNames      string `yaml:"bucketnames"`
				AccessKeyID      string `yaml:"access_key_id"`
				SecretAccessKey  string `yaml:"secret_access_key"`
				Insecure         bool   `yaml:"insecure"`
				S3ForcePathStyle bool   `yaml:"s3forcepathstyle"`
			} `yaml:"s3"`
		} `yaml:"storage"`
	} `yaml:"common"`
	QueryScheduler struct {
		UseSchedulerRing bool `yaml:"use_scheduler_ring"`
	} `yaml:"query_scheduler"`
	SchemaConfig struct {
		Configs []struct {
			From        string `yaml:"from"`
			Store       string `yaml:"store"`
			ObjectStore string `yaml:"object_store"`
			Schema      string `yaml:"schema"`
			Index       struct {
				Prefix string `yaml:"prefix"`
				Period string `yaml:"period"`
			} `yaml:"index"`
		} `yaml:"configs"`
	} `yaml:"schema_config"`
	LimitsConfig map[string]any `yaml:"limits_config"`
	Compactor    struct {
		WorkingDirectory   string `yaml:"working_directory"`
		RetentionEnabled   bool   `yaml:"retention_enabled"`
		DeleteRequestStore string `yaml:"delete_request_store"`
	} `yaml:"compactor"`
	Analytics struct {
		ReportingEnabled bool `yaml:"reporting_enabled"`
	} `yaml:"analytics"`
}

// scaleTempoConfig holds the keys of compose/scale/tempo.yaml, as Tempo's
// configuration reference names them
// (https://grafana.com/docs/tempo/latest/configuration/).
type scaleTempoConfig struct {
	StreamOverHTTPEnabled bool `yaml:"stream_over_http_enabled"`
	Server                struct {
		HTTPListenPort int    `yaml:"http_listen_port"`
		GRPCListenPort int    `yaml:"grpc_listen_port"`
		LogLevel       string `yaml:"log_level"`
	} `yaml:"server"`
	Memberlist struct {
		AbortIfClusterJoinFails bool     `yaml:"abort_if_cluster_join_fails"`
		JoinMembers             []string `yaml:"join_members"`
	} `yaml:"memberlist"`
	Distributor map[string]any `yaml:"distributor"`
	Ingester    struct {
		Lifecycler struct {
			Ring scaleRing `yaml:"ring"`
		} `yaml:"lifecycler"`
	} `yaml:"ingester"`
	Querier struct {
		FrontendWorker struct {
			FrontendAddress string `yaml:"frontend_address"`
		} `yaml:"frontend_worker"`
	} `yaml:"querier"`
	Compactor struct {
		Ring       scaleKVStore   `yaml:"ring"`
		Compaction map[string]any `yaml:"compaction"`
	} `yaml:"compactor"`
	MetricsGenerator struct {
		Ring          scaleKVStore   `yaml:"ring"`
		Registry      map[string]any `yaml:"registry"`
		Processor     map[string]any `yaml:"processor"`
		Storage       map[string]any `yaml:"storage"`
		TracesStorage map[string]any `yaml:"traces_storage"`
	} `yaml:"metrics_generator"`
	Storage struct {
		Trace struct {
			Backend string `yaml:"backend"`
			WAL     struct {
				Path string `yaml:"path"`
			} `yaml:"wal"`
			S3 struct {
				Endpoint       string `yaml:"endpoint"`
				Bucket         string `yaml:"bucket"`
				AccessKey      string `yaml:"access_key"`
				SecretKey      string `yaml:"secret_key"`
				Insecure       bool   `yaml:"insecure"`
				ForcePathStyle bool   `yaml:"forcepathstyle"`
			} `yaml:"s3"`
		} `yaml:"trace"`
	} `yaml:"storage"`
	Overrides   map[string]any `yaml:"overrides"`
	UsageReport struct {
		ReportingEnabled bool `yaml:"reporting_enabled"`
	} `yaml:"usage_report"`
}

// scaleDecodeStrict decodes a YAML file into into, refusing keys into does
// not declare.
func scaleDecodeStrict(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("%s: %v (a key the engine does not document, or a misspelled one)", path, err)
	}
}

// scaleTree reads a YAML file as nested maps.
func scaleTree(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tree
}

// scaleAt returns the value at the dotted path of tree, or nil.
func scaleAt(tree map[string]any, path string) any {
	var v any = tree
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

// expectSameAsNAS checks that each dotted path has the same value in the
// NAS's configuration and the scale-out one.
func expectSameAsNAS(t *testing.T, nasPath, scalePath string, paths ...string) {
	t.Helper()
	nas, scale := scaleTree(t, nasPath), scaleTree(t, scalePath)
	for _, p := range paths {
		want, got := scaleAt(nas, p), scaleAt(scale, p)
		if want == nil {
			t.Errorf("%s has no %s: the check compares nothing", nasPath, p)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s = %v, but %s has %v: the scale-out profile must keep the NAS's value", scalePath, p, got, nasPath, want)
		}
	}
}

// expectMembers checks that a memberlist join list names exactly the
// replicas, on the gossip port.
func expectMembers(t *testing.T, file string, members, replicas []string) {
	t.Helper()
	var want []string
	for _, r := range replicas {
		want = append(want, net.JoinHostPort(r, strconv.Itoa(scaleMemberlistPort)))
	}
	got := slices.Clone(members)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: memberlist.join_members = %v, want every replica compose runs: %v", file, got, want)
	}
}

// expectMinio checks that an S3 endpoint (host:port, no scheme) is the
// MinIO service's API.
func expectMinio(t *testing.T, file, key, endpoint string) {
	t.Helper()
	p := loadScale(t, nil, nil)
	host, port, err := net.SplitHostPort(endpoint)
	if err != nil {
		t.Errorf("%s: %s %q: want host:port (%v)", file, key, endpoint, err)
		return
	}
	if got := scaleServiceAt(p, host); !slices.Equal(got, []string{scaleMinioService}) {
		t.Errorf("%s: %s %q reaches %v, want %s", file, key, endpoint, got, scaleMinioService)
	}
	minio := service(t, p, scaleMinioService)
	if i := slices.Index(minio.Command, "--address"); i < 0 || i+1 >= len(minio.Command) || minio.Command[i+1] != ":"+port {
		t.Errorf("%s: %s uses port %s, but %s serves S3 on %v", file, key, port, scaleMinioService, minio.Command)
	}
	if port != strconv.Itoa(scaleMinioPort) {
		t.Errorf("%s: %s port %s, want %d", file, key, port, scaleMinioPort)
	}
}

// expectCredentialRefs checks that credentials are references the engine
// expands from its environment, never literals.
func expectCredentialRefs(t *testing.T, file string, accessKey, secretKey string) {
	t.Helper()
	if accessKey != scaleAccessKeyRef {
		t.Errorf("%s: the S3 access key is %q, want %s (expanded from the environment)", file, accessKey, scaleAccessKeyRef)
	}
	if secretKey != scaleSecretKeyRef {
		t.Errorf("%s: the S3 secret key is not %s: no secret is written in a file", file, scaleSecretKeyRef)
	}
}

// scaleBuckets returns the buckets the one-shot creates.
func scaleBuckets(t *testing.T) []string {
	t.Helper()
	p := loadScale(t, nil, nil)
	raw, _ := env(service(t, p, scaleBucketsService), "SCALE_BUCKETS")
	buckets := strings.Fields(raw)
	if len(buckets) == 0 {
		t.Fatalf("%s creates no buckets (SCALE_BUCKETS is empty)", scaleBucketsService)
	}
	return buckets
}

func TestScaleMimirIsInReadWriteModeOnS3(t *testing.T) {
	var cfg scaleMimirConfig
	scaleDecodeStrict(t, scaleMimirFile, &cfg)
	if cfg.Common.Storage.Backend != "s3" && cfg.BlocksStorage.Backend != "s3" {
		t.Errorf("%s: neither common.storage.backend nor blocks_storage.backend is s3", scaleMimirFile)
	}
	for key, backend := range map[string]string{
		"blocks_storage.backend": cfg.BlocksStorage.Backend, "ruler_storage.backend": cfg.RulerStorage.Backend,
		"alertmanager_storage.backend": cfg.AlertmanagerStorage.Backend,
	} {
		if backend != "" && backend != "s3" {
			t.Errorf("%s: %s = %q: every Mimir store is on S3", scaleMimirFile, key, backend)
		}
	}
	expectMinio(t, scaleMimirFile, "common.storage.s3.endpoint", cfg.Common.Storage.S3.Endpoint)
	expectCredentialRefs(t, scaleMimirFile, cfg.Common.Storage.S3.AccessKeyID, cfg.Common.Storage.S3.SecretAccessKey)
	if !cfg.Common.Storage.S3.Insecure {
		t.Errorf("%s: MinIO serves plain HTTP on the compose network; set common.storage.s3.insecure", scaleMimirFile)
	}
	buckets := map[string]string{
		"blocks_storage.s3.bucket_name":       cfg.BlocksStorage.S3.BucketName,
		"ruler_storage.s3.bucket_name":        cfg.RulerStorage.S3.BucketName,
		"alertmanager_storage.s3.bucket_name": cfg.AlertmanagerStorage.S3.BucketName,
	}
	created := scaleBuckets(t)
	seen := map[string]string{}
	for key, b := range buckets {
		if !slices.Contains(created, b) {
			t.Errorf("%s: %s = %q, which %s does not create (%v)", scaleMimirFile, key, b, scaleBucketsService, created)
		}
		if other, dup := seen[b]; dup {
			t.Errorf("%s: %s and %s share the bucket %q", scaleMimirFile, key, other, b)
		}
		seen[b] = key
	}
	expectMembers(t, scaleMimirFile, cfg.Memberlist.JoinMembers, scaleReplicasOf(t, "mimir"))
	for key, store := range map[string]string{
		"compactor.sharding_ring": cfg.Compactor.ShardingRing.KVStore.Store, "distributor.ring": cfg.Distributor.Ring.KVStore.Store,
		"ingester.ring": cfg.Ingester.Ring.KVStore.Store, "store_gateway.sharding_ring": cfg.StoreGateway.ShardingRing.KVStore.Store,
		"query_scheduler.ring": cfg.QueryScheduler.Ring.KVStore.Store, "ruler.ring": cfg.Ruler.Ring.KVStore.Store,
		"alertmanager.sharding_ring": cfg.Alertmanager.ShardingRing.KVStore.Store,
	} {
		if store != "memberlist" {
			t.Errorf("%s: %s.kvstore.store = %q, want memberlist", scaleMimirFile, key, store)
		}
	}
	if cfg.QueryScheduler.ServiceDiscoveryMode != "ring" {
		t.Errorf("%s: query_scheduler.service_discovery_mode = %q: with two backends the frontends and queriers find the schedulers in their ring", scaleMimirFile, cfg.QueryScheduler.ServiceDiscoveryMode)
	}
	for key, tc := range map[string]struct {
		rf       int
		replicas []string
	}{
		"ingester.ring":               {cfg.Ingester.Ring.ReplicationFactor, scaleReplicasOf(t, "mimir write")},
		"store_gateway.sharding_ring": {cfg.StoreGateway.ShardingRing.ReplicationFactor, scaleReplicasOf(t, "mimir backend")},
		"alertmanager.sharding_ring":  {cfg.Alertmanager.ShardingRing.ReplicationFactor, scaleReplicasOf(t, "mimir backend")},
	} {
		if tc.rf < 1 || tc.rf > len(tc.replicas) {
			t.Errorf("%s: %s.replication_factor = %d, with %d replicas to hold the copies", scaleMimirFile, key, tc.rf, len(tc.replicas))
		}
	}

	// The NAS's settings, ports and paths, unchanged.
	nas, err := mimir.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Limits != nas.Limits {
		t.Errorf("%s: limits = %+v, but %s has %+v", scaleMimirFile, cfg.Limits, nasMimirFile, nas.Limits)
	}
	expectSameAsNAS(t, nasMimirFile, scaleMimirFile, "limits", "multitenancy_enabled", "server.http_listen_port",
		"server.grpc_listen_port", "api.prometheus_http_prefix", "activity_tracker.filepath", "usage_stats.enabled")
	raw, err := os.ReadFile(scaleMimirFile)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := mimir.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for key, path := range parsed.Paths {
		if !strings.HasPrefix(path, mimir.DataDir+"/") {
			t.Errorf("%s: %s = %s, not on the replica's volume %s", scaleMimirFile, key, path, mimir.DataDir)
		}
	}
}

func TestScaleLokiIsSimpleScalableOnS3(t *testing.T) {
	var cfg scaleLokiConfig
	scaleDecodeStrict(t, scaleLokiFile, &cfg)
	// The NAS's file has keys of its own (filesystem storage): read it
	// leniently, for its schema.
	var nas scaleLokiConfig
	nasRaw, err := os.ReadFile(nasLokiFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(nasRaw, &nas); err != nil {
		t.Fatalf("%s: %v", nasLokiFile, err)
	}

	if len(cfg.SchemaConfig.Configs) != len(nas.SchemaConfig.Configs) {
		t.Fatalf("%s has %d schema periods, %s %d: keep the NAS's periods so that copied chunks read", scaleLokiFile, len(cfg.SchemaConfig.Configs), nasLokiFile, len(nas.SchemaConfig.Configs))
	}
	for i, period := range cfg.SchemaConfig.Configs {
		if period.ObjectStore != "s3" {
			t.Errorf("%s: schema period %s: object_store = %q, want s3", scaleLokiFile, period.From, period.ObjectStore)
		}
		want := nas.SchemaConfig.Configs[i]
		want.ObjectStore = period.ObjectStore
		if period != want {
			t.Errorf("%s: schema period %+v differs from %s's %+v in more than its object store", scaleLokiFile, period, nasLokiFile, want)
		}
	}
	s3 := cfg.Common.Storage.S3
	expectMinio(t, scaleLokiFile, "common.storage.s3.endpoint", s3.Endpoint)
	expectCredentialRefs(t, scaleLokiFile, s3.AccessKeyID, s3.SecretAccessKey)
	if !s3.Insecure || !s3.S3ForcePathStyle {
		t.Errorf("%s: MinIO on the compose network takes plain HTTP and path-style buckets; set insecure and s3forcepathstyle", scaleLokiFile)
	}
	if created := scaleBuckets(t); s3.BucketNames == "" || !slices.Contains(created, s3.BucketNames) {
		t.Errorf("%s: common.storage.s3.bucketnames = %q, which %s does not create (%v)", scaleLokiFile, s3.BucketNames, scaleBucketsService, created)
	}
	if cfg.Compactor.DeleteRequestStore != "s3" {
		t.Errorf("%s: compactor.delete_request_store = %q, want s3: the backends share it", scaleLokiFile, cfg.Compactor.DeleteRequestStore)
	}
	expectMembers(t, scaleLokiFile, cfg.Memberlist.JoinMembers, scaleReplicasOf(t, "loki"))
	if cfg.Common.Ring.KVStore.Store != "memberlist" {
		t.Errorf("%s: common.ring.kvstore.store = %q, want memberlist", scaleLokiFile, cfg.Common.Ring.KVStore.Store)
	}
	if rf := cfg.Common.ReplicationFactor; rf < 1 || rf > len(scaleReplicasOf(t, "loki write")) {
		t.Errorf("%s: common.replication_factor = %d with %d write replicas", scaleLokiFile, rf, len(scaleReplicasOf(t, "loki write")))
	}
	if !cfg.QueryScheduler.UseSchedulerRing {
		t.Errorf("%s: query_scheduler.use_scheduler_ring is off: the read replicas would not find the backends' schedulers", scaleLokiFile)
	}
	u := parseURL(t, "common.compactor_address", cfg.Common.CompactorAddress)
	p := loadScale(t, nil, nil)
	if got, want := scaleServiceAt(p, u.Hostname()), slices.Sorted(slices.Values(scaleReplicasOf(t, "loki backend"))); !slices.Equal(got, want) {
		t.Errorf("%s: common.compactor_address %s reaches %v, want the backends %v", scaleLokiFile, u, got, want)
	}
	if u.Port() != strconv.Itoa(cfg.Server.HTTPListenPort) {
		t.Errorf("%s: common.compactor_address %s, but Loki listens on %d", scaleLokiFile, u, cfg.Server.HTTPListenPort)
	}
	expectSameAsNAS(t, nasLokiFile, scaleLokiFile, "limits_config", "auth_enabled", "server.http_listen_port",
		"server.grpc_listen_port", "common.path_prefix", "compactor.working_directory", "compactor.retention_enabled",
		"analytics.reporting_enabled")
}

func TestScaleTempoIsAScalableSingleBinaryOnS3(t *testing.T) {
	var cfg scaleTempoConfig
	scaleDecodeStrict(t, scaleTempoFile, &cfg)
	trace := cfg.Storage.Trace
	if trace.Backend != "s3" {
		t.Errorf("%s: storage.trace.backend = %q, want s3", scaleTempoFile, trace.Backend)
	}
	expectMinio(t, scaleTempoFile, "storage.trace.s3.endpoint", trace.S3.Endpoint)
	expectCredentialRefs(t, scaleTempoFile, trace.S3.AccessKey, trace.S3.SecretKey)
	if !trace.S3.Insecure || !trace.S3.ForcePathStyle {
		t.Errorf("%s: MinIO on the compose network takes plain HTTP and path-style buckets; set insecure and forcepathstyle", scaleTempoFile)
	}
	if created := scaleBuckets(t); !slices.Contains(created, trace.S3.Bucket) {
		t.Errorf("%s: storage.trace.s3.bucket = %q, which %s does not create (%v)", scaleTempoFile, trace.S3.Bucket, scaleBucketsService, created)
	}
	expectMembers(t, scaleTempoFile, cfg.Memberlist.JoinMembers, scaleReplicasOf(t, "tempo"))
	for key, store := range map[string]string{
		"ingester.lifecycler.ring": cfg.Ingester.Lifecycler.Ring.KVStore.Store, "compactor.ring": cfg.Compactor.Ring.KVStore.Store,
		"metrics_generator.ring": cfg.MetricsGenerator.Ring.KVStore.Store,
	} {
		if store != "memberlist" {
			t.Errorf("%s: %s.kvstore.store = %q, want memberlist", scaleTempoFile, key, store)
		}
	}
	if rf := cfg.Ingester.Lifecycler.Ring.ReplicationFactor; rf < 1 || rf > len(scaleReplicasOf(t, "tempo")) {
		t.Errorf("%s: ingester replication_factor = %d with %d replicas", scaleTempoFile, rf, len(scaleReplicasOf(t, "tempo")))
	}
	// Every querier must reach every query frontend: the address resolves
	// to all the replicas, on Tempo's gRPC port.
	host, port, err := net.SplitHostPort(cfg.Querier.FrontendWorker.FrontendAddress)
	if err != nil {
		t.Fatalf("%s: querier.frontend_worker.frontend_address: %v", scaleTempoFile, err)
	}
	p := loadScale(t, nil, nil)
	if got, want := scaleServiceAt(p, host), slices.Sorted(slices.Values(scaleReplicasOf(t, "tempo"))); !slices.Equal(got, want) {
		t.Errorf("%s: querier.frontend_worker.frontend_address %s reaches %v, want every replica %v", scaleTempoFile, host, got, want)
	}
	if port != strconv.Itoa(cfg.Server.GRPCListenPort) {
		t.Errorf("%s: querier.frontend_worker.frontend_address port %s, but Tempo's gRPC listens on %d", scaleTempoFile, port, cfg.Server.GRPCListenPort)
	}
	expectSameAsNAS(t, nasTempoFile, scaleTempoFile, "stream_over_http_enabled", "server.http_listen_port",
		"distributor", "compactor.compaction", "metrics_generator.registry", "metrics_generator.processor",
		"metrics_generator.storage", "metrics_generator.traces_storage", "storage.trace.wal", "overrides",
		"usage_report.reporting_enabled")
}

func TestScaleBucketsAreExactlyTheOnesTheConfigsName(t *testing.T) {
	var m scaleMimirConfig
	var l scaleLokiConfig
	var tc scaleTempoConfig
	scaleDecodeStrict(t, scaleMimirFile, &m)
	scaleDecodeStrict(t, scaleLokiFile, &l)
	scaleDecodeStrict(t, scaleTempoFile, &tc)
	named := []string{m.BlocksStorage.S3.BucketName, m.RulerStorage.S3.BucketName, m.AlertmanagerStorage.S3.BucketName,
		l.Common.Storage.S3.BucketNames, tc.Storage.Trace.S3.Bucket}
	slices.Sort(named)
	created := scaleBuckets(t)
	slices.Sort(created)
	if !slices.Equal(named, created) {
		t.Errorf("%s creates %v; the configs name %v", scaleBucketsService, created, named)
	}
}

// scaleEnvRef matches the ${VAR} and ${VAR:default} references the engines'
// -config.expand-env expands.
var scaleEnvRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?\}`)

// TestScaleEnginesExpandWhatTheirConfigsReference checks that each replica
// is started with -config.expand-env=true and its environment has every
// variable its config references, with no default in the config.
func TestScaleEnginesExpandWhatTheirConfigsReference(t *testing.T) {
	p := loadScale(t, nil, nil)
	for prefix, file := range map[string]string{"mimir": scaleMimirFile, "loki": scaleLokiFile, "tempo": scaleTempoFile} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		refs := scaleEnvRef.FindAllStringSubmatch(string(raw), -1)
		if len(refs) == 0 {
			t.Errorf("%s references no environment variable; where do its S3 credentials come from?", file)
		}
		for _, replica := range scaleReplicasOf(t, prefix) {
			s := service(t, p, replica)
			if !slices.Contains(s.Command, "-config.expand-env=true") {
				t.Errorf("%s: command %q lacks -config.expand-env=true, so %s's references stay literal", replica, s.Command, file)
			}
			if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
				return strings.HasSuffix(v.Source, "/"+filepath.ToSlash(file)) && v.ReadOnly
			}) {
				t.Errorf("%s does not mount %s read-only", replica, file)
			}
			for _, ref := range refs {
				if ref[2] != "" {
					t.Errorf("%s: ${%s%s} has a default; the environment must supply it", file, ref[1], ref[2])
				}
				if v, ok := env(s, ref[1]); !ok || v == "" {
					t.Errorf("%s: %s references ${%s}, which %s's environment does not set", file, ref[0], ref[1], replica)
				}
			}
		}
	}
}

// scaleSecretKey matches YAML keys that hold a credential.
var scaleSecretKey = regexp.MustCompile(`(?i)^\s*-?\s*([a-z_]*(password|secret|access_key|token)[a-z_]*)\s*:\s*(.*)$`)

func TestScaleConfigFilesHoldNoLiteralSecret(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("scale", "*"))
	if err != nil {
		t.Fatal(err)
	}
	nginx, err := filepath.Glob(filepath.Join("scale", "nginx", "*"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, nginx...)
	checked := 0
	for _, file := range files {
		if info, err := os.Stat(file); err != nil || info.IsDir() {
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			m := scaleSecretKey.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			checked++
			value := strings.Trim(strings.TrimSpace(m[3]), `"'`)
			if !scaleEnvRef.MatchString(value) || scaleEnvRef.FindString(value) != value {
				t.Errorf("%s:%d: %s is written in the file; reference an environment variable (${NAME}) instead", file, n+1, m[1])
			}
		}
	}
	if checked == 0 {
		t.Errorf("no credential setting found in %v: the check checks nothing", files)
	}
}

func TestScaleConfigsDecodeStrictly(t *testing.T) {
	// The strict decoders refuse what an engine would not read; show that
	// they do, so that the other tests' decoding means something.
	for name, tc := range map[string]struct {
		into any
		src  string
	}{
		"mimir": {&scaleMimirConfig{}, "blocks_storage:\n  s3:\n    bucketname: x\n"},
		"loki":  {&scaleLokiConfig{}, "common:\n  storage:\n    s3:\n      bucket_name: x\n"},
		"tempo": {&scaleTempoConfig{}, "storage:\n  trace:\n    s3:\n      access_key_id: x\n"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(path, []byte(tc.src), 0o600); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(tc.into); err == nil {
			t.Errorf("%s: a misspelled key decodes: %q", name, tc.src)
		}
	}
}
