package desired

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/grafana/grafana-openapi-client-go/models"
)

// envReference is how an artifact refers to a value kept out of the
// repository: ${NAME}. dashboards-as-code writes every secret contact-point
// setting that way.
var envReference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandContactPoints replaces the ${NAME} references in the contact points'
// settings with the values of the provisioner's environment. A reference to a
// variable that is unset or empty is an error naming the variable (never a
// value); every such problem is reported.
func expandContactPoints(file string, cps []*models.EmbeddedContactPoint, getenv func(string) string) error {
	var missing []string
	for _, cp := range cps {
		if cp == nil {
			continue
		}
		where := fmt.Sprintf("contact point %s settings", cp.UID)
		cp.Settings = expandValue(cp.Settings, where, getenv, &missing)
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("%s: %s: set these variables in the provisioner's environment (they hold what stays out of the repository, such as webhook URLs)",
		file, strings.Join(slices.Compact(missing), "; "))
}

func expandValue(v any, where string, getenv func(string) string, missing *[]string) any {
	switch t := v.(type) {
	case string:
		return envReference.ReplaceAllStringFunc(t, func(ref string) string {
			name := envReference.FindStringSubmatch(ref)[1]
			value := getenv(name)
			if value == "" {
				*missing = append(*missing, fmt.Sprintf("%s refer to ${%s}, which is not set", where, name))
			}
			return value
		})
	case map[string]any:
		for k, item := range t {
			t[k] = expandValue(item, where, getenv, missing)
		}
		return t
	case []any:
		for i, item := range t {
			t[i] = expandValue(item, where, getenv, missing)
		}
		return t
	default:
		return v
	}
}
