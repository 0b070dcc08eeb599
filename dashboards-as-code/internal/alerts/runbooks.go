package alerts

import (
	"maps"
	"strings"
	"unicode"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
)

// WithRunbooks sets every rule's runbook_url to the section of the runbooks
// document titled after the rule: base#<anchor of the title>. Rules get their
// link here, in one pass, never one by one.
func WithRunbooks(groups []alerting.RuleGroup, base string) []alerting.RuleGroup {
	out := make([]alerting.RuleGroup, len(groups))
	for i, g := range groups {
		g.Rules = append([]alerting.Rule(nil), g.Rules...)
		for j, r := range g.Rules {
			annotations := maps.Clone(r.Annotations)
			if annotations == nil {
				annotations = map[string]string{}
			}
			annotations[AnnotationRunbookURL] = base + "#" + RunbookAnchor(r.Title)
			g.Rules[j].Annotations = annotations
		}
		out[i] = g
	}
	return out
}

// RunbookAnchor is the anchor a Markdown renderer (GitHub, Gitea, GitLab)
// gives a heading: lower case, spaces as hyphens, punctuation dropped.
func RunbookAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}
