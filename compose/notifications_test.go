package compose

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// notificationsConfig is dashboards-as-code's configuration, whose contact
// points refer to their secrets as ${NAME}.
const notificationsConfig = "../dashboards-as-code/config.yaml"

// envReference is how a contact point's setting refers to a variable
// (dashboards-as-code/internal/config/notifications.go).
var envReference = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)\}`)

// commentedNotifications matches the first line of the commented-out example
// of the notifications section.
var commentedNotifications = regexp.MustCompile(`^#\s?notifications:\s*$`)

// notificationReferences returns the variables that the notifications
// section of a dashboards-as-code configuration refers to, sorted, with
// those of its commented-out example: that is the block people uncomment.
func notificationReferences(text string) ([]string, error) {
	names, err := referencesUnderNotifications(text)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if !commentedNotifications.MatchString(line) {
			continue
		}
		var example []string
		for _, l := range lines[i:] {
			rest, ok := strings.CutPrefix(l, "#")
			if !ok {
				break
			}
			example = append(example, strings.TrimPrefix(rest, " "))
		}
		more, err := referencesUnderNotifications(strings.Join(example, "\n"))
		if err != nil {
			return nil, fmt.Errorf("the commented-out notifications example: %w", err)
		}
		names = append(names, more...)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func referencesUnderNotifications(text string) ([]string, error) {
	var doc struct {
		Notifications yaml.Node `yaml:"notifications"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	var names []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			for _, m := range envReference.FindAllStringSubmatch(n.Value, -1) {
				names = append(names, m[1])
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc.Notifications)
	return names, nil
}

func TestNotificationSecretsReachTheProvisioner(t *testing.T) {
	raw, err := os.ReadFile(notificationsConfig)
	if err != nil {
		t.Fatal(err)
	}
	names, err := notificationReferences(string(raw))
	if err != nil {
		t.Fatalf("%s: %v", notificationsConfig, err)
	}
	t.Logf("%s refers to %v", notificationsConfig, names)
	example, err := ReadEnvFile(EnvExampleFile)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]string{}
	for _, name := range names {
		set[name] = "test-only-" + strings.ToLower(name)
	}
	s := service(t, loadExample(t, set), provisionerService)
	for _, name := range names {
		if got, ok := env(s, name); !ok || got != set[name] {
			t.Errorf("%s: %s from compose/.env reaches it as %q (passed: %v); add %s: ${%s:-} to its environment", provisionerService, name, got, ok, name, name)
		}
		if _, ok := example[name]; !ok {
			t.Errorf("%s does not list %s, which %s's contact points refer to", EnvExampleFile, name, notificationsConfig)
		}
	}
}

func TestNotificationReferencesReadTheSectionAndItsCommentedExample(t *testing.T) {
	const text = `runbook_url: https://example.com/${NOT_NOTIFICATIONS}
notifications:
  contact_points:
    - uid: a
      settings:
        url: ${LIVE_WEBHOOK_URL}
        nested: {token: "${LIVE_TOKEN}"}
# notifications:
#   contact_points:
#     - settings:
#         url: ${EXAMPLE_WEBHOOK_URL}
other: 1
# ${AFTER_THE_EXAMPLE}
`
	got, err := notificationReferences(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"EXAMPLE_WEBHOOK_URL", "LIVE_TOKEN", "LIVE_WEBHOOK_URL"}
	if !slices.Equal(got, want) {
		t.Errorf("notificationReferences = %v, want %v", got, want)
	}
	if _, err := notificationReferences("# notifications:\n#   contact_points: [\n"); err == nil {
		t.Error("a commented example that is not YAML was accepted")
	}
}
