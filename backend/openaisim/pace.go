package openaisim

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Pace is how many tokens per second models generate: Models by model name
// prefix (the longest matching prefix wins, so "gpt-4o-mini" beats "gpt-4o"
// and covers its snapshots), Default for any other model. Zero means
// instant. Its text form is "80,gpt-4o:60,gpt-4.1-nano:150": a bare number
// is Default.
type Pace struct {
	Default float64
	Models  map[string]float64
}

// DefaultPace returns the paces of DefaultConfig: output speeds close to
// those OpenAI's models show, 80 tokens per second for any other model.
func DefaultPace() Pace {
	return Pace{Default: 80, Models: map[string]float64{
		"gpt-4o":       60,
		"gpt-4o-mini":  85,
		"gpt-4.1":      70,
		"gpt-4.1-mini": 90,
		"gpt-4.1-nano": 150,
		"gpt-5":        50,
		"gpt-5-mini":   80,
		"gpt-5-nano":   130,
		"o3":           60,
		"o3-mini":      120,
		"o4-mini":      110,
	}}
}

// ParsePace parses the text form; the empty string is instant.
func ParsePace(text string) (Pace, error) {
	var p Pace
	defaultSet := false
	for entry := range strings.SplitSeq(text, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		model, value, hasModel := strings.Cut(entry, ":")
		if !hasModel {
			model, value = "", entry
		}
		model = strings.TrimSpace(model)
		tps, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return Pace{}, fmt.Errorf("pace %q: tokens per second is not a number: %w", entry, err)
		}
		switch {
		case !hasModel:
			if defaultSet {
				return Pace{}, fmt.Errorf("pace %q: the default pace is given twice", entry)
			}
			p.Default, defaultSet = tps, true
		case model == "":
			return Pace{}, fmt.Errorf("pace %q: want model:tokens-per-second, such as gpt-4o:60", entry)
		default:
			if _, dup := p.Models[model]; dup {
				return Pace{}, fmt.Errorf("pace %q: %s is listed twice", entry, model)
			}
			if p.Models == nil {
				p.Models = map[string]float64{}
			}
			p.Models[model] = tps
		}
	}
	if err := p.Validate(); err != nil {
		return Pace{}, err
	}
	return p, nil
}

// Validate reports what is wrong with p, if anything.
func (p Pace) Validate() error {
	valid := func(tps float64) bool { return !math.IsNaN(tps) && !math.IsInf(tps, 0) && tps >= 0 }
	var errs []error
	if !valid(p.Default) {
		errs = append(errs, fmt.Errorf("default pace %v: want tokens per second, 0 or more", p.Default))
	}
	for _, model := range slices.Sorted(maps.Keys(p.Models)) {
		if tps := p.Models[model]; !valid(tps) {
			errs = append(errs, fmt.Errorf("pace of %s %v: want tokens per second, 0 or more", model, tps))
		}
		if model == "" {
			errs = append(errs, errors.New("a pace has an empty model name: name the model, or set the default"))
		}
	}
	return errors.Join(errs...)
}

// String returns the text form, models in name order.
func (p Pace) String() string {
	parts := []string{strconv.FormatFloat(p.Default, 'g', -1, 64)}
	for _, model := range slices.Sorted(maps.Keys(p.Models)) {
		parts = append(parts, model+":"+strconv.FormatFloat(p.Models[model], 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

// MarshalText returns the text form, so Pace works with flag.TextVar.
func (p Pace) MarshalText() ([]byte, error) {
	return []byte(p.String()), nil
}

// UnmarshalText parses the text form, replacing p.
func (p *Pace) UnmarshalText(text []byte) error {
	parsed, err := ParsePace(string(text))
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}

// Equal reports whether p and o give every model the same pace.
func (p Pace) Equal(o Pace) bool {
	return p.Default == o.Default && maps.Equal(p.Models, o.Models)
}

// TokensPerSecond is the pace of model.
func (p Pace) TokensPerSecond(model string) float64 {
	best, tps := -1, p.Default
	for prefix, v := range p.Models {
		if strings.HasPrefix(model, prefix) && len(prefix) > best {
			best, tps = len(prefix), v
		}
	}
	return tps
}

// perToken is the time model takes to generate one token: zero when its
// pace is zero.
func (p Pace) perToken(model string) time.Duration {
	tps := p.TokensPerSecond(model)
	if tps <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / tps)
}

func (p Pace) clone() Pace {
	return Pace{Default: p.Default, Models: maps.Clone(p.Models)}
}
