package plan

import (
	"fmt"
	"strings"
)

// changeIndent indents the changes under their step.
const changeIndent = "    "

// String renders a step as its plan line, then one line per change, as
// jsondiff.Change.Format renders it (a review's diff reads the same): a
// short value as old -> new, a long string or query as a word diff of the
// part that changed:
//
//	dashboard scanium-openai-runtime: update (2 changes; edited in Grafana by alice since the last apply (version 7))
//	    ~ panels[id=2].title: "Latency" -> "Latency p95"
//	    ~ panels[id=3].targets[refId=A].expr: "…{model=~\"$model\",status=[-~-]\"error[-|timeout-]\"}[$__rate_interval])) / sum(rate(…"
func (s *Step) String() string { return s.Format(nil) }

// Format renders the step as String does, the values of its changes
// passed through redact (when not nil) before they are cut to length or
// word-diffed.
func (s *Step) Format(redact func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", s.Kind, s.Name)
	switch s.Action {
	case Failed:
		fmt.Fprintf(&b, "error: %v", s.Err)
	case Update:
		fmt.Fprintf(&b, "update (%s)", line(changes(len(s.Changes)), s.Note))
	case Create:
		b.WriteString("create")
		if s.Detail != "" {
			fmt.Fprintf(&b, " (%s)", s.Detail)
		}
	default:
		b.WriteString(string(s.Action))
		if s.Note != "" {
			fmt.Fprintf(&b, " (%s)", s.Note)
		}
	}
	for _, c := range s.Changes {
		if s.Action == Update {
			b.WriteString("\n" + changeIndent + c.Format(redact))
		}
	}
	return b.String()
}

// String renders a result as its progress line:
//
//	dashboard scanium-openai-runtime: updated (3 changes)
func (r Result) String() string {
	s := r.Step
	head := fmt.Sprintf("%s %s: ", s.Kind, s.Name)
	switch r.Outcome {
	case OutcomeFailed:
		return head + "failed: " + r.Err.Error()
	case OutcomeUpdated:
		detail := changes(len(s.Changes))
		if s.EditedBy != "" {
			detail += "; reverted an edit made in Grafana by " + s.EditedBy
		}
		return head + "updated (" + detail + ")"
	case OutcomeCreated:
		if s.Detail != "" {
			return head + "created (" + s.Detail + ")"
		}
		return head + "created"
	default:
		return head + string(r.Outcome)
	}
}

// Summary renders the plan's counts on one line.
func (p *Plan) Summary() string {
	c := p.Count()
	out := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %d unchanged.",
		c[Create], c[Update], c[Delete], c[Unchanged])
	if c[Failed] > 0 {
		out += fmt.Sprintf(" %d could not be planned.", c[Failed])
	}
	return out
}

// String renders the apply's counts on one line.
func (s Summary) String() string {
	out := fmt.Sprintf("Apply: %d created, %d updated, %d unchanged, %d deleted, %d failed.",
		s.Created, s.Updated, s.Unchanged, s.Deleted, s.Failed)
	if s.NotAttempted > 0 {
		out += fmt.Sprintf(" %d not attempted.", s.NotAttempted)
	}
	return out
}

func changes(n int) string {
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}
