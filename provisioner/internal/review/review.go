// Package review compares two versions of the artifacts, offline, for a
// reviewer: which dashboards, rule groups (and their rules), contact points
// and notification policy were added, removed or changed, and for each
// change its path and both values, long strings and queries as a word diff
// of the part that changed (jsondiff.Change.Format). It renders as text
// for a terminal or as GitHub-flavoured markdown for a job summary.
package review

import (
	"fmt"
	"strings"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/jsondiff"
	"github.com/scanium/openai-monitoring/provisioner/internal/plan"
)

// Status is what happened to a resource between the two versions.
type Status string

// Statuses.
const (
	Added   Status = "added"
	Removed Status = "removed"
	Changed Status = "changed"
)

// Entry is one resource (or a part of one, such as a rule) that differs.
type Entry struct {
	// Kind is the resource's kind, or for a part its noun ("rule").
	Kind        string
	Name, Title string
	Status      Status
	// Changes turn the base version into the head one (Changed only).
	Changes []jsondiff.Change
	// Parts are the parts that differ (the rules of a changed rule group).
	Parts []Entry
	// Detail qualifies an added or removed resource ("2 rules").
	Detail string
}

// Report is the difference of two versions of the artifacts.
type Report struct {
	// Base and Head name the two versions ("origin/main", "the working
	// tree").
	Base, Head string
	Entries    []Entry
}

// Equal reports whether the two versions hold the same resources.
func (r *Report) Equal() bool { return len(r.Entries) == 0 }

// Count returns how many resources were added, removed and changed.
func (r *Report) Count() map[Status]int {
	out := map[Status]int{}
	for _, e := range r.Entries {
		out[e.Status]++
	}
	return out
}

// Summary renders the counts on one line.
func (r *Report) Summary() string {
	c := r.Count()
	return fmt.Sprintf("%d added, %d removed, %d changed", c[Added], c[Removed], c[Changed])
}

// Compare lists what differs between the artifacts of base and head.
func Compare(baseName string, base *artifact.Bundle, headName string, head *artifact.Bundle) (*Report, error) {
	from, err := plan.Artifacts(base)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", baseName, err)
	}
	to, err := plan.Artifacts(head)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", headName, err)
	}
	return &Report{Base: baseName, Head: headName, Entries: compareResources(from, to)}, nil
}

// compareResources merges two lists in plan.Artifacts order (kind order,
// then name) into the entries that differ, in the same order.
func compareResources(from, to []plan.Resource) []Entry {
	rank := map[plan.Kind]int{}
	for i, k := range plan.Kinds() {
		rank[k] = i
	}
	less := func(a, b plan.Resource) bool {
		if a.Kind != b.Kind {
			return rank[a.Kind] < rank[b.Kind]
		}
		return a.Name < b.Name
	}
	var out []Entry
	i, j := 0, 0
	for i < len(from) || j < len(to) {
		switch {
		case j == len(to) || (i < len(from) && less(from[i], to[j])):
			out = append(out, resourceEntry(from[i], Removed))
			i++
		case i == len(from) || less(to[j], from[i]):
			out = append(out, resourceEntry(to[j], Added))
			j++
		default:
			if e, differs := compareResource(from[i], to[j]); differs {
				out = append(out, e)
			}
			i, j = i+1, j+1
		}
	}
	return out
}

func resourceEntry(r plan.Resource, s Status) Entry {
	e := Entry{Kind: string(r.Kind), Name: r.Name, Title: r.Title, Status: s}
	if len(r.Parts) > 0 {
		e.Detail = plural(len(r.Parts), r.Parts[0].Noun)
	}
	return e
}

func compareResource(from, to plan.Resource) (Entry, bool) {
	e := Entry{Kind: string(to.Kind), Name: to.Name, Title: to.Title, Status: Changed}
	e.Changes = jsondiff.Diff(from.Doc, to.Doc)

	// Parts by name, in the head's order, then the removed ones.
	old := make(map[string]plan.Part, len(from.Parts))
	for _, p := range from.Parts {
		old[p.Name] = p
	}
	seen := map[string]bool{}
	for _, p := range to.Parts {
		seen[p.Name] = true
		before, ok := old[p.Name]
		if !ok {
			e.Parts = append(e.Parts, Entry{Kind: p.Noun, Name: p.Name, Title: p.Title, Status: Added})
			continue
		}
		if changes := jsondiff.Diff(before.Doc, p.Doc); len(changes) > 0 {
			e.Parts = append(e.Parts, Entry{Kind: p.Noun, Name: p.Name, Title: p.Title, Status: Changed, Changes: changes})
		}
	}
	for _, p := range from.Parts {
		if !seen[p.Name] {
			e.Parts = append(e.Parts, Entry{Kind: p.Noun, Name: p.Name, Title: p.Title, Status: Removed})
		}
	}
	return e, len(e.Changes) > 0 || len(e.Parts) > 0
}

// head renders an entry's own line, without its changes:
// "dashboard scanium-openai-runtime (Scanium / OpenAI runtime): changed (2 changes)".
func (e Entry) head() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Kind, e.Name)
	if e.showTitle() {
		fmt.Fprintf(&b, " (%s)", e.Title)
	}
	fmt.Fprintf(&b, ": %s", e.status())
	return b.String()
}

// status renders what happened: "changed (2 changes)", "added (2 rules)".
func (e Entry) status() string {
	var b strings.Builder
	b.WriteString(string(e.Status))
	switch {
	case e.Detail != "":
		fmt.Fprintf(&b, " (%s)", e.Detail)
	case e.Status == Changed && len(e.Parts) > 0 && len(e.Changes) > 0:
		fmt.Fprintf(&b, " (%s; %s)", plural(len(e.Changes), "change"), plural(len(e.Parts), e.Parts[0].Kind))
	case e.Status == Changed && len(e.Parts) > 0:
		fmt.Fprintf(&b, " (%s)", plural(len(e.Parts), e.Parts[0].Kind))
	case e.Status == Changed:
		fmt.Fprintf(&b, " (%s)", plural(len(e.Changes), "change"))
	}
	return b.String()
}

// showTitle tells whether the title says more than the name.
func (e Entry) showTitle() bool {
	return e.Title != "" && e.Title != e.Name && !strings.HasSuffix(e.Name, "/"+e.Title)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
