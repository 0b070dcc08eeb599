package envconfig

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/secret"
)

// String takes the value as it is.
func String() Parser[string] {
	return Parser[string]{Parse: func(raw, _ string) (string, error) { return raw, nil }}
}

// Secret takes the value as a secret: the help shows no default, and no
// message ever shows it.
func Secret() Parser[secret.Secret] {
	return Parser[secret.Secret]{
		Parse:  func(raw string, _ secret.Secret) (secret.Secret, error) { return secret.Secret(raw), nil },
		Format: func(secret.Secret) string { return "" },
	}
}

// List reads comma-separated items, each trimmed and parsed by elem;
// blank items are dropped.
func List[T any](elem Parser[T]) Parser[[]T] {
	return Parser[[]T]{
		Parse: func(raw string, _ []T) ([]T, error) {
			var out []T
			var zero T
			for item := range strings.SplitSeq(raw, ",") {
				if item = strings.TrimSpace(item); item == "" {
					continue
				}
				v, err := elem.Parse(item, zero)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		},
		Format: func(def []T) string {
			items := make([]string, len(def))
			for i, v := range def {
				if elem.Format != nil {
					items[i] = elem.Format(v)
				} else {
					items[i] = fmt.Sprint(v)
				}
			}
			return strings.Join(items, ",")
		},
	}
}

// Bool reads true or false (and the other forms of strconv.ParseBool).
func Bool() Parser[bool] {
	return Parser[bool]{
		Parse: func(raw string, _ bool) (bool, error) {
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return false, fmt.Errorf("%q is not a boolean: use true or false", Truncate(raw))
			}
			return b, nil
		},
		Bool: true,
	}
}

// Duration reads a Go duration with its unit (30s, 1m30s) of at least
// minimum.
func Duration(minimum time.Duration) Parser[time.Duration] {
	return Parser[time.Duration]{
		Parse: func(raw string, def time.Duration) (time.Duration, error) {
			d, err := time.ParseDuration(raw)
			switch {
			case err != nil:
				return 0, fmt.Errorf("%q is not a duration: give a number with a unit, e.g. %s", Truncate(raw), def)
			case d < minimum:
				return 0, fmt.Errorf("%s is too short: use at least %s (default %s)", d, minimum, def)
			}
			return d, nil
		},
		Format: time.Duration.String,
	}
}

// Milliseconds reads a whole number of milliseconds within [minimum,
// maximum], as the OpenTelemetry variables give durations. A number
// beyond int64 is too short or too long, not malformed.
func Milliseconds(minimum, maximum time.Duration) Parser[time.Duration] {
	return Parser[time.Duration]{
		Parse: func(raw string, def time.Duration) (time.Duration, error) {
			ms, err := strconv.ParseInt(raw, 10, 64)
			if errors.Is(err, strconv.ErrRange) {
				err = nil // ms is the int64 of the same sign farthest from zero
			}
			switch {
			case err != nil:
				return 0, fmt.Errorf("%q is not a number of milliseconds, e.g. %d", Truncate(raw), def.Milliseconds())
			case ms < minimum.Milliseconds():
				return 0, fmt.Errorf("%sms is too short: use at least %d", Truncate(raw), minimum.Milliseconds())
			case ms > maximum.Milliseconds():
				return 0, fmt.Errorf("%sms is too long: use at most %d", Truncate(raw), maximum.Milliseconds())
			}
			return time.Duration(ms) * time.Millisecond, nil
		},
		Format: func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) },
	}
}

// Int reads a whole number in decimal within [minimum, maximum]. what
// names it in the message, e.g. "a number of requests": `"0" is not a
// number of requests: use a whole number from 1 to 100000 (default 256)`.
func Int[T ~int | ~int64](minimum, maximum T, what string) Parser[T] {
	return Parser[T]{
		Parse: func(raw string, def T) (T, error) {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || n < int64(minimum) || n > int64(maximum) {
				return 0, fmt.Errorf("%q is not %s: use a whole number from %d to %d (default %d)", Truncate(raw), what, minimum, maximum, def)
			}
			return T(n), nil
		},
		Format: func(n T) string { return strconv.FormatInt(int64(n), 10) },
	}
}

// Port reads a TCP port in decimal digits and returns it in canonical form
// ("0080" is "80"; a sign is not a digit).
func Port() Parser[string] {
	return Parser[string]{
		Parse: func(raw, def string) (string, error) {
			port, ok := ParsePort(raw)
			if !ok {
				return "", fmt.Errorf("%q is not a TCP port: set a number from 1 to 65535 (default %s)", Truncate(raw), def)
			}
			return port, nil
		},
	}
}

// ParsePort reads a TCP port given in decimal digits, surrounding spaces
// ignored, and returns it in canonical form.
func ParsePort(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return "", false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return "", false
	}
	return strconv.Itoa(n), true
}

// LogLevel reads debug, info, warn or error (any case, with slog's
// offsets such as info+2).
func LogLevel() Parser[slog.Level] {
	return Parser[slog.Level]{
		Parse: func(raw string, _ slog.Level) (slog.Level, error) {
			var level slog.Level
			if err := level.UnmarshalText([]byte(raw)); err != nil {
				return 0, fmt.Errorf("%q is not a level: use debug, info, warn or error", Truncate(raw))
			}
			return level, nil
		},
		Format: func(l slog.Level) string { return strings.ToLower(l.String()) },
	}
}

// HTTPURL reads an absolute http(s) URL with a host and no credentials,
// and returns it as given. fix says what to set, e.g. "set the OTLP/HTTP
// endpoint, e.g. http://alloy:4318". A URL that carries credentials is
// never shown.
func HTTPURL(fix string) Parser[string] {
	return Parser[string]{
		Parse: func(raw, _ string) (string, error) {
			if err := CheckHTTPURL(raw); err != nil {
				return "", fmt.Errorf("%w: %s", err, fix)
			}
			return raw, nil
		},
	}
}

// CheckHTTPURL tells what keeps raw from being an absolute http(s) URL
// with a host and no credentials.
func CheckHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", ShownURL(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http(s) URL", ShownURL(raw))
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", ShownURL(raw))
	}
	if u.User != nil {
		return errors.New("the URL carries credentials: pass them in headers, not in the URL")
	}
	return nil
}

// ShownURL is a URL as error messages show it: shortened, and hidden when
// it may carry credentials.
func ShownURL(s string) string {
	if strings.Contains(s, "@") {
		return "<URL with credentials>"
	}
	return Truncate(s)
}
