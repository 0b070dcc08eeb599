// Package mimir holds the bundle's Grafana Mimir configuration (mimir.yaml)
// and reads the settings that the rest of the bundle depends on: the ports,
// the Prometheus API prefix Grafana queries, the paths on the data volume,
// and the limits.
package mimir

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigFile is the name of the bundle's Mimir configuration in this folder.
const ConfigFile = "mimir.yaml"

// DataDir is where compose mounts Mimir's volume; every path Mimir writes is
// under it.
const DataDir = "/data"

// PushPath is Mimir's Prometheus remote-write endpoint.
const PushPath = "/api/v1/push"

//go:embed mimir.yaml
var bundleConfig []byte

// Config is the part of Mimir's configuration the bundle relies on.
type Config struct {
	Target              string `yaml:"target"`
	MultitenancyEnabled *bool  `yaml:"multitenancy_enabled"`
	Server              struct {
		HTTPListenPort int    `yaml:"http_listen_port"`
		GRPCListenPort int    `yaml:"grpc_listen_port"`
		LogLevel       string `yaml:"log_level"`
	} `yaml:"server"`
	API struct {
		PrometheusHTTPPrefix string `yaml:"prometheus_http_prefix"`
	} `yaml:"api"`
	BlocksStorage struct {
		Backend string `yaml:"backend"`
	} `yaml:"blocks_storage"`
	Limits Limits `yaml:"limits"`

	// Paths maps the dotted key of every setting that names a file or
	// directory (dir, data_dir, sync_dir, rule_path, filepath) to its value.
	Paths map[string]string `yaml:"-"`
}

// Limits are the per-tenant limits of the single tenant.
type Limits struct {
	CompactorBlocksRetentionPeriod string  `yaml:"compactor_blocks_retention_period"`
	IngestionRate                  float64 `yaml:"ingestion_rate"`
	IngestionBurstSize             int     `yaml:"ingestion_burst_size"`
	MaxGlobalSeriesPerUser         int     `yaml:"max_global_series_per_user"`
	MaxLabelNamesPerSeries         int     `yaml:"max_label_names_per_series"`
	MaxGlobalExemplarsPerUser      int     `yaml:"max_global_exemplars_per_user"`
	OutOfOrderTimeWindow           string  `yaml:"out_of_order_time_window"`
	MaxQueryLookback               string  `yaml:"max_query_lookback"`
}

// pathKeys are the setting names that hold a file or directory.
var pathKeys = map[string]bool{"dir": true, "data_dir": true, "sync_dir": true, "rule_path": true, "filepath": true}

// Bundle parses the configuration shipped in this folder.
func Bundle() (Config, error) {
	return Parse(bundleConfig)
}

// Parse reads a Mimir configuration.
func Parse(src []byte) (Config, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&root); err != nil {
		return Config{}, fmt.Errorf("parse mimir configuration: %w", err)
	}
	if len(root.Content) == 0 {
		return Config{}, errors.New("parse mimir configuration: the document is empty")
	}
	var cfg Config
	if err := root.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("decode mimir configuration: %w", err)
	}
	cfg.Paths = map[string]string{}
	collectPaths(root.Content[0], nil, cfg.Paths)
	return cfg, nil
}

func collectPaths(node *yaml.Node, prefix []string, out map[string]string) {
	if node.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i].Value, node.Content[i+1]
		path := append(append([]string(nil), prefix...), key)
		if value.Kind == yaml.ScalarNode && pathKeys[key] {
			out[strings.Join(path, ".")] = value.Value
			continue
		}
		collectPaths(value, path, out)
	}
}
