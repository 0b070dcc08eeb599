package capacity

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/scanium/openai-monitoring/mimir"
)

// Where the stores' configurations live, relative to the repository root.
const (
	LokiConfig  = "compose/loki/loki.yaml"
	TempoConfig = "compose/tempo/tempo.yaml"
)

// Tempo's default per-tenant ingestion limit, bytes per second, which
// applies when tempo.yaml sets none (overrides.defaults.ingestion
// .rate_limit_bytes; Tempo's flag distributor.ingestion-rate-limit-bytes).
const tempoDefaultRateLimitBytes = 15_000_000

// bytesInMB is Loki's unit of ingestion_rate_mb.
const bytesInMB = 1 << 20

// BundleLimits reads the limits and retentions of the bundle's Mimir, Loki
// and Tempo configurations under the repository root.
func BundleLimits(root string) (Limits, error) {
	var lim Limits
	mc, err := mimir.Bundle()
	if err != nil {
		return lim, err
	}
	lim.MimirSeries = mc.Limits.MaxGlobalSeriesPerUser
	lim.MimirSamplesPerSec = mc.Limits.IngestionRate
	if lim.MimirRetention, err = promDuration("mimir limits.compactor_blocks_retention_period", mc.Limits.CompactorBlocksRetentionPeriod); err != nil {
		return lim, err
	}

	var loki struct {
		Limits struct {
			IngestionRateMB float64 `yaml:"ingestion_rate_mb"`
			Retention       string  `yaml:"retention_period"`
		} `yaml:"limits_config"`
	}
	if err := readYAML(filepath.Join(root, LokiConfig), &loki); err != nil {
		return lim, err
	}
	lim.LokiBytesPerSec = loki.Limits.IngestionRateMB * bytesInMB
	if lim.LokiRetention, err = promDuration("loki limits_config.retention_period", loki.Limits.Retention); err != nil {
		return lim, err
	}

	var tempo struct {
		Compactor struct {
			Compaction struct {
				BlockRetention string `yaml:"block_retention"`
			} `yaml:"compaction"`
		} `yaml:"compactor"`
		Overrides struct {
			Defaults struct {
				Ingestion struct {
					RateLimitBytes *int `yaml:"rate_limit_bytes"`
				} `yaml:"ingestion"`
			} `yaml:"defaults"`
		} `yaml:"overrides"`
	}
	if err := readYAML(filepath.Join(root, TempoConfig), &tempo); err != nil {
		return lim, err
	}
	if lim.TempoRetention, err = promDuration("tempo compactor.compaction.block_retention", tempo.Compactor.Compaction.BlockRetention); err != nil {
		return lim, err
	}
	lim.TempoBytesPerSec, lim.TempoDefaultLimit = tempoDefaultRateLimitBytes, true
	if r := tempo.Overrides.Defaults.Ingestion.RateLimitBytes; r != nil {
		lim.TempoBytesPerSec, lim.TempoDefaultLimit = float64(*r), false
	}
	if lim.MimirSeries <= 0 || lim.MimirSamplesPerSec <= 0 || lim.LokiBytesPerSec <= 0 {
		return lim, fmt.Errorf("the stores' configurations set no series, sample or log limit: %+v", lim)
	}
	return lim, nil
}

func readYAML(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// promDuration parses a Prometheus-style duration (90d, 744h).
func promDuration(what, s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a duration", what, s)
	}
	return time.Duration(d), nil
}
