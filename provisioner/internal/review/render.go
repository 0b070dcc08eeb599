package review

import (
	"fmt"
	"io"
	"strings"
)

// indent nests changes and parts under their resource.
const indent = "    "

// maxMarkdownBytes bounds the markdown report: GitHub refuses a job
// summary over 1 MiB.
const maxMarkdownBytes = 900 << 10

// Text writes the report for a terminal: one line per resource that
// differs, its changes and parts indented under it, then a summary line.
// Values go through redact (when not nil) before they are rendered.
//
//	dashboard scanium-openai-runtime (Scanium / OpenAI runtime): changed (1 change)
//	    ~ panels[id=2].title: "Requests/s" -> "Requests per second"
//	rule-group scanium/openai-latency: changed (1 rule)
//	    rule openai-high-latency (OpenAIHighLatency): changed (1 change)
//	        ~ for: "10m" -> "15m"
//	Diff origin/main -> the working tree: 0 added, 0 removed, 2 changed.
func (r *Report) Text(w io.Writer, redact func(string) string) error {
	var b strings.Builder
	for _, e := range r.Entries {
		writeText(&b, e, "", redact)
	}
	fmt.Fprintf(&b, "Diff %s -> %s: %s.\n", r.Base, r.Head, r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

func writeText(b *strings.Builder, e Entry, prefix string, redact func(string) string) {
	b.WriteString(prefix + e.head() + "\n")
	for _, c := range e.Changes {
		b.WriteString(prefix + indent + c.Format(redact) + "\n")
	}
	for _, p := range e.Parts {
		writeText(b, p, prefix+indent, redact)
	}
}

// Markdown writes the report as GitHub-flavoured markdown, for a pull
// request's job summary: a heading with the counts, then a list of the
// resources that differ, each with its changes in a code block (so that the
// word-diff marks and the values show as they are).
func (r *Report) Markdown(w io.Writer, redact func(string) string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Grafana artifacts: %s → %s\n\n", mdText(r.Base), mdText(r.Head))
	if r.Equal() {
		b.WriteString("No dashboard, rule, contact point or notification policy changed.\n")
	} else {
		fmt.Fprintf(&b, "%s.\n\n", r.Summary())
		for i, e := range r.Entries {
			var entry strings.Builder
			writeMarkdown(&entry, e, "", redact)
			if b.Len()+entry.Len() > maxMarkdownBytes {
				fmt.Fprintf(&b, "\n… and %d more: the rest is too long for a job summary, run `scanium-provisioner diff %s` (or `make review`) to see it all.\n",
					len(r.Entries)-i, mdCodeText(r.Base))
				break
			}
			b.WriteString(entry.String())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdown(b *strings.Builder, e Entry, prefix string, redact func(string) string) {
	fmt.Fprintf(b, "%s- **%s** %s", prefix, e.Kind, mdCode(e.Name))
	if e.showTitle() {
		fmt.Fprintf(b, " (%s)", mdText(e.Title))
	}
	fmt.Fprintf(b, ": %s\n", e.status())
	inner := prefix + "  "
	if len(e.Changes) > 0 {
		lines := make([]string, len(e.Changes))
		for i, c := range e.Changes {
			lines[i] = c.Format(redact)
		}
		fence := mdFence(lines)
		b.WriteString(inner + fence + "text\n")
		for _, l := range lines {
			b.WriteString(inner + l + "\n")
		}
		b.WriteString(inner + fence + "\n")
	}
	for _, p := range e.Parts {
		writeMarkdown(b, p, inner, redact)
	}
}

// mdFence returns a code fence longer than any run of backticks in lines.
func mdFence(lines []string) string {
	longest := 0
	for _, l := range lines {
		run := 0
		for _, r := range l {
			if r == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// mdCode renders s as inline code, whatever backticks it holds.
func mdCode(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdCodeText is s made safe inside a code span of one backtick.
func mdCodeText(s string) string { return strings.ReplaceAll(s, "`", "'") }

// mdText escapes what markdown would read as markup, and keeps s on one
// line.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range strings.Join(strings.Fields(s), " ") {
		if strings.ContainsRune("\\`*_{}[]<>()#+-.!|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
