// Package alloy holds the bundle's Grafana Alloy configuration (config.alloy)
// and reads it as a graph of components, so tests can check that the pipeline
// is whole: every referenced component is defined, and each signal received
// over OTLP reaches the store it belongs to.
package alloy

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/grafana/alloy/syntax/ast"
	"github.com/grafana/alloy/syntax/parser"
	"github.com/grafana/alloy/syntax/token"
)

// ConfigFile is the name of the bundle's Alloy configuration in this folder.
const ConfigFile = "config.alloy"

//go:embed config.alloy
var bundleConfig []byte

// Signals an OTLP pipeline carries; they name the attributes of an otelcol
// component's output block.
const (
	SignalMetrics = "metrics"
	SignalLogs    = "logs"
	SignalTraces  = "traces"
)

// Exports through which one component hands data to the next: otelcol
// components take OTLP on input, prometheus components take samples on
// receiver.
var dataExports = []string{"input", "receiver"}

// Standard library namespaces of the Alloy syntax: references into them are
// not components.
var stdlibNamespaces = []string{"array", "coalesce", "constants", "convert", "encoding", "env", "file", "json_path", "string", "sys"}

// Edge is a reference from one component's body to another component.
type Edge struct {
	From, To string
	// Export is the referenced export, e.g. "input", "receiver", "targets".
	Export string
	// Signal is metrics, logs or traces when the reference sits in an output
	// block under that attribute; empty otherwise.
	Signal string
}

// Carries reports whether data of signal flows along the edge.
func (e Edge) Carries(signal string) bool {
	if !slices.Contains(dataExports, e.Export) {
		return false
	}
	return e.Signal == "" || e.Signal == signal
}

// Pipeline is a parsed Alloy configuration: its components, keyed by
// "<name>.<label>" (e.g. "otelcol.receiver.otlp.default"), and the references
// between them.
type Pipeline struct {
	components map[string]*ast.BlockStmt
	order      []string
	edges      []Edge
	undefined  []string
}

// Bundle parses the configuration shipped in this folder.
func Bundle() (*Pipeline, error) {
	return Parse(ConfigFile, bundleConfig)
}

// Parse parses an Alloy configuration. A top-level block with a label is a
// component; one without (logging, tracing) is a setting.
func Parse(filename string, src []byte) (*Pipeline, error) {
	file, err := parser.ParseFile(filename, src)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", filename, err)
	}
	p := &Pipeline{components: map[string]*ast.BlockStmt{}}
	for _, stmt := range file.Body {
		block, ok := stmt.(*ast.BlockStmt)
		if !ok || block.Label == "" {
			continue
		}
		id := block.GetBlockName() + "." + block.Label
		if _, dup := p.components[id]; dup {
			return nil, fmt.Errorf("%s: component %s is defined twice", filename, id)
		}
		p.components[id] = block
		p.order = append(p.order, id)
	}
	for _, id := range p.order {
		p.collect(id, p.components[id].Body, false)
	}
	return p, nil
}

// Components returns the IDs of the components in the order they are defined.
func (p *Pipeline) Components() []string { return slices.Clone(p.order) }

// Has reports whether the component is defined.
func (p *Pipeline) Has(id string) bool {
	_, ok := p.components[id]
	return ok
}

// Edges returns every reference between components.
func (p *Pipeline) Edges() []Edge { return slices.Clone(p.edges) }

// Undefined returns the references to components that the file does not
// define, each as "<from> -> <reference>".
func (p *Pipeline) Undefined() []string { return slices.Clone(p.undefined) }

// Reaches reports whether data of signal that enters component from flows to
// component to, following the references of output blocks and forward_to.
func (p *Pipeline) Reaches(from, to, signal string) bool {
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		current := queue[0]
		queue = queue[1:]
		if current == to {
			return true
		}
		for _, e := range p.edges {
			if e.From == current && e.Carries(signal) && !seen[e.To] {
				seen[e.To] = true
				queue = append(queue, e.To)
			}
		}
	}
	return false
}

// StringAttr returns the string literal assigned at path inside the component,
// e.g. StringAttr("prometheus.remote_write.mimir", "endpoint", "url").
func (p *Pipeline) StringAttr(id string, path ...string) (string, error) {
	lit, err := p.literal(id, token.STRING, path)
	if err != nil {
		return "", err
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		return "", fmt.Errorf("component %s: %s: %w", id, strings.Join(path, "."), err)
	}
	return s, nil
}

// BoolAttr returns the boolean literal assigned at path inside the component,
// e.g. BoolAttr("prometheus.remote_write.mimir", "endpoint", "send_exemplars").
// An attribute that is not set is an error: the caller decides whether the
// component's default will do.
func (p *Pipeline) BoolAttr(id string, path ...string) (bool, error) {
	lit, err := p.literal(id, token.BOOL, path)
	if err != nil {
		return false, err
	}
	return strconv.ParseBool(lit.Value)
}

// literal returns the literal of the given kind assigned at path inside the
// component.
func (p *Pipeline) literal(id string, kind token.Token, path []string) (*ast.LiteralExpr, error) {
	block, ok := p.components[id]
	if !ok {
		return nil, fmt.Errorf("component %s is not defined", id)
	}
	if len(path) == 0 {
		return nil, fmt.Errorf("component %s: empty attribute path", id)
	}
	body := block.Body
	for _, name := range path[:len(path)-1] {
		inner, err := innerBlock(body, name)
		if err != nil {
			return nil, fmt.Errorf("component %s: %w", id, err)
		}
		body = inner.Body
	}
	attr := path[len(path)-1]
	for _, stmt := range body {
		a, ok := stmt.(*ast.AttributeStmt)
		if !ok || a.Name.Name != attr {
			continue
		}
		lit, ok := a.Value.(*ast.LiteralExpr)
		if !ok || lit.Kind != kind {
			return nil, fmt.Errorf("component %s: %s is not a %s literal", id, strings.Join(path, "."), strings.ToLower(kind.String()))
		}
		return lit, nil
	}
	return nil, fmt.Errorf("component %s has no attribute %s", id, strings.Join(path, "."))
}

func innerBlock(body ast.Body, name string) (*ast.BlockStmt, error) {
	for _, stmt := range body {
		if b, ok := stmt.(*ast.BlockStmt); ok && b.GetBlockName() == name {
			return b, nil
		}
	}
	return nil, fmt.Errorf("no %s block", name)
}

// collect records the references made in body. inOutput is set while walking
// an output block, whose metrics, logs and traces attributes name the signal
// that their references carry.
func (p *Pipeline) collect(from string, body ast.Body, inOutput bool) {
	for _, stmt := range body {
		switch s := stmt.(type) {
		case *ast.BlockStmt:
			p.collect(from, s.Body, s.GetBlockName() == "output")
		case *ast.AttributeStmt:
			signal := ""
			if inOutput && slices.Contains([]string{SignalMetrics, SignalLogs, SignalTraces}, s.Name.Name) {
				signal = s.Name.Name
			}
			for _, ref := range references(s.Value) {
				p.addReference(from, ref, signal)
			}
		}
	}
}

func (p *Pipeline) addReference(from string, ref []string, signal string) {
	if len(ref) < 3 || slices.Contains(stdlibNamespaces, ref[0]) {
		return
	}
	id := strings.Join(ref[:len(ref)-1], ".")
	export := ref[len(ref)-1]
	if !p.Has(id) {
		p.undefined = append(p.undefined, from+" -> "+strings.Join(ref, "."))
		return
	}
	p.edges = append(p.edges, Edge{From: from, To: id, Export: export, Signal: signal})
}

// references returns every dotted identifier path that expr uses, e.g.
// [otelcol processor batch default input].
func references(expr ast.Expr) [][]string {
	var out [][]string
	var walk func(ast.Expr)
	walk = func(e ast.Expr) {
		switch v := e.(type) {
		case *ast.IdentifierExpr:
			out = append(out, []string{v.Ident.Name})
		case *ast.AccessExpr:
			if path, ok := dottedPath(v); ok {
				out = append(out, path)
				return
			}
			walk(v.Value)
		case *ast.ArrayExpr:
			for _, el := range v.Elements {
				walk(el)
			}
		case *ast.ObjectExpr:
			for _, f := range v.Fields {
				walk(f.Value)
			}
		case *ast.IndexExpr:
			walk(v.Value)
			walk(v.Index)
		case *ast.CallExpr:
			walk(v.Value)
			for _, a := range v.Args {
				walk(a)
			}
		case *ast.UnaryExpr:
			walk(v.Value)
		case *ast.BinaryExpr:
			walk(v.Left)
			walk(v.Right)
		case *ast.ParenExpr:
			walk(v.Inner)
		}
	}
	walk(expr)
	return out
}

// dottedPath flattens a chain of field accesses on an identifier.
func dottedPath(e *ast.AccessExpr) ([]string, bool) {
	switch v := e.Value.(type) {
	case *ast.IdentifierExpr:
		return []string{v.Ident.Name, e.Name.Name}, true
	case *ast.AccessExpr:
		head, ok := dottedPath(v)
		if !ok {
			return nil, false
		}
		return append(head, e.Name.Name), true
	default:
		return nil, false
	}
}
