package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
)

// apiDoc is the page that lists the API's error codes and limits: the
// README, under the headings errorsHeading and limitsHeading.
const (
	apiDoc        = "../../../README.md"
	errorsHeading = "### Error codes"
	limitsHeading = "### Input limits"
)

// codeValues is every error code the package declares, by its constant's
// name; TestAPIDocListsEveryCode checks it against the declarations.
var codeValues = map[string]string{
	"CodeInvalidJSON": CodeInvalidJSON, "CodeInvalidUTF8": CodeInvalidUTF8, "CodeUnknownField": CodeUnknownField,
	"CodeMessageRequired": CodeMessageRequired, "CodeMessageTooLong": CodeMessageTooLong,
	"CodeTooManyItems": CodeTooManyItems, "CodeItemIDRequired": CodeItemIDRequired,
	"CodeItemFieldTooLong": CodeItemFieldTooLong, "CodeBodyTooLarge": CodeBodyTooLarge,
	"CodeUnsupportedMediaType": CodeUnsupportedMediaType, "CodeMissingAPIKey": CodeMissingAPIKey,
	"CodeInvalidAPIKey": CodeInvalidAPIKey, "CodeMethodNotAllowed": CodeMethodNotAllowed,
	"CodeNotFound": CodeNotFound, "CodeInternal": CodeInternal, "CodeShuttingDown": CodeShuttingDown,
	"CodeOverloaded": CodeOverloaded, "CodeTooManyConnections": CodeTooManyConnections,
	"CodeOpenAIUnauthorized": CodeOpenAIUnauthorized, "CodeOpenAIRateLimited": CodeOpenAIRateLimited,
	"CodeProviderUnavailable": CodeProviderUnavailable, "CodeProviderError": CodeProviderError,
}

// statusByName reads the net/http status constants the package answers with.
var statusByName = map[string]int{
	"StatusBadRequest": http.StatusBadRequest, "StatusUnauthorized": http.StatusUnauthorized,
	"StatusNotFound": http.StatusNotFound, "StatusMethodNotAllowed": http.StatusMethodNotAllowed,
	"StatusRequestEntityTooLarge": http.StatusRequestEntityTooLarge,
	"StatusUnsupportedMediaType":  http.StatusUnsupportedMediaType,
	"StatusTooManyRequests":       http.StatusTooManyRequests,
	"StatusInternalServerError":   http.StatusInternalServerError, "StatusBadGateway": http.StatusBadGateway,
	"StatusServiceUnavailable": http.StatusServiceUnavailable,
}

// answer is a status and a code the package answers with.
type answer struct {
	status int
	code   string
}

// TestAPIDocListsEveryCode reads, from the package's source, every error
// code it declares and every status it answers each with, and checks that
// the README lists exactly those pairs.
func TestAPIDocListsEveryCode(t *testing.T) {
	files := packageFiles(t)
	declared := map[string]bool{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				for _, name := range spec.(*ast.ValueSpec).Names {
					if strings.HasPrefix(name.Name, "Code") {
						declared[name.Name] = true
					}
				}
			}
		}
	}
	for name := range declared {
		if _, ok := codeValues[name]; !ok {
			t.Errorf("%s is missing from codeValues: add it there, and its status and when to %s", name, apiDoc)
		}
	}
	for name := range codeValues {
		if !declared[name] {
			t.Errorf("codeValues holds %s, which the package does not declare", name)
		}
	}

	inCode := answersInSource(t, files)
	// The connection limiter writes its refusal as raw bytes.
	refusal := NewConnLimiter(1, nil).refusal
	status, err := strconv.Atoi(string(bytes.Fields(refusal)[1]))
	var body apiError
	if err != nil || json.Unmarshal(refusal[bytes.Index(refusal, []byte("\r\n\r\n"))+4:], &body) != nil {
		t.Fatalf("cannot read the connection limiter's refusal %q", refusal)
	}
	inCode[answer{status, body.Error.Code}] = true

	inDoc := map[answer]bool{}
	documented := map[string]bool{}
	for _, row := range docTable(t, errorsHeading) {
		status, err := strconv.Atoi(row[0])
		if err != nil {
			t.Errorf("row %q: the status is not a number", row)
			continue
		}
		code := strings.Trim(row[1], "`")
		if row[2] == "" {
			t.Errorf("code %s: the row does not say when it is sent", code)
		}
		inDoc[answer{status, code}], documented[code] = true, true
	}
	for a := range inCode {
		if !inDoc[a] {
			t.Errorf("the API answers %d %s, which %s does not list", a.status, a.code, apiDoc)
		}
	}
	for a := range inDoc {
		if !inCode[a] {
			t.Errorf("%s lists %d %s, which the API never answers", apiDoc, a.status, a.code)
		}
	}
	for name, code := range codeValues {
		if !documented[code] {
			t.Errorf("%s (%s) is not in %s", code, name, apiDoc)
		}
	}
}

// answersInSource finds the status each code is answered with: the calls
// writeError(w, r, http.StatusX, CodeY, ...) and badRequest(CodeY, ...)
// (400), and the literals {http.StatusX, CodeY, ...} of requestError and
// providerAnswer.
func answersInSource(t *testing.T, files []*ast.File) map[answer]bool {
	t.Helper()
	found := map[answer]bool{}
	add := func(statusExpr, codeExpr ast.Expr) {
		sel, ok := statusExpr.(*ast.SelectorExpr)
		code, ok2 := codeExpr.(*ast.Ident)
		if !ok || !ok2 || !strings.HasPrefix(code.Name, "Code") {
			return
		}
		status, known := statusByName[sel.Sel.Name]
		if !known {
			t.Errorf("http.%s: add it to statusByName", sel.Sel.Name)
			return
		}
		value, ok := codeValues[code.Name]
		if !ok {
			t.Errorf("%s is missing from codeValues", code.Name)
			return
		}
		found[answer{status, value}] = true
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				fn, _ := n.Fun.(*ast.Ident)
				switch {
				case fn == nil:
				case fn.Name == "writeError" && len(n.Args) >= 4:
					add(n.Args[2], n.Args[3])
				case fn.Name == "badRequest" && len(n.Args) >= 1:
					add(&ast.SelectorExpr{X: ast.NewIdent("http"), Sel: ast.NewIdent("StatusBadRequest")}, n.Args[0])
				}
			case *ast.CompositeLit:
				if len(n.Elts) >= 2 {
					add(n.Elts[0], n.Elts[1])
				}
			}
			return true
		})
	}
	if len(found) == 0 {
		t.Fatal("no answer found in the source: has the way errors are written changed?")
	}
	return found
}

// TestAPIDocListsEveryLimit checks each limit of the chat endpoint and of
// the server, at its default, against the README's limits table.
func TestAPIDocListsEveryLimit(t *testing.T) {
	cfg, err := config.Load(func(k string) (string, bool) {
		if k == config.EnvAPIKeys {
			return "client-key", true
		}
		return "", false
	}, "host")
	if err != nil {
		t.Fatal(err)
	}
	// Beyond each limit: the code answered, and the variable that sets it.
	type limit struct{ answer, variable string }
	want := map[string]limit{
		"MaxBodyBytes":        {CodeBodyTooLarge, "fixed"},
		"MaxMessageChars":     {CodeMessageTooLong, "fixed"},
		"MaxItems":            {CodeTooManyItems, "fixed"},
		"MaxItemFieldLen":     {CodeItemFieldTooLong, "fixed"},
		"MaxInFlightRequests": {CodeOverloaded, config.EnvMaxInFlightRequests},
		"MaxConnections":      {CodeTooManyConnections, config.EnvMaxConnections},
		"MaxHeaderBytes":      {"431", config.EnvMaxHeaderBytes},
		"streamWriteTimeout":  {"cut", "fixed"},
	}
	defaults := map[string]string{"streamWriteTimeout": streamWriteTimeout.String()}
	for _, v := range []reflect.Value{reflect.ValueOf(cfg.Limits), reflect.ValueOf(cfg.Server)} {
		for i := range v.NumField() {
			defaults[v.Type().Field(i).Name] = fmt.Sprint(v.Field(i).Interface())
		}
	}
	rows := map[string][]string{}
	for _, row := range docTable(t, limitsHeading) {
		rows[strings.Trim(row[1], "`")] = row
	}
	for field, def := range defaults {
		w, known := want[field]
		row, documented := rows[field]
		switch {
		case !known:
			t.Errorf("limit %s (default %s) is new: add it to this test and to %s", field, def, apiDoc)
		case !documented:
			t.Errorf("limit %s (default %s) is not in %s", field, def, apiDoc)
		case len(row) < 5:
			t.Errorf("limit %s: the row %q lacks columns", field, row)
		case strings.Fields(row[2])[0] != def:
			t.Errorf("limit %s: %s says %q, the default is %s", field, apiDoc, row[2], def)
		case strings.Trim(row[3], "`") != w.variable:
			t.Errorf("limit %s: %s says it is set by %q, want %q", field, apiDoc, row[3], w.variable)
		case !strings.Contains(row[4], w.answer):
			t.Errorf("limit %s: %s says %q beyond it, want it to name %s", field, apiDoc, row[4], w.answer)
		}
	}
	for field := range rows {
		if _, ok := defaults[field]; !ok {
			t.Errorf("%s lists the limit %s, which the API does not have", apiDoc, field)
		}
	}
}

// packageFiles parses the package's Go files, tests excluded.
func packageFiles(t *testing.T) []*ast.File {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// docTable returns the cells of the table rows under heading in apiDoc,
// header and separator rows excluded.
func docTable(t *testing.T, heading string) [][]string {
	t.Helper()
	text, err := os.ReadFile(apiDoc)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(text), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no section %q", apiDoc, heading)
	}
	section, _, _ = strings.Cut(section, "\n#")
	var rows [][]string
	for i, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		var cells []string
		for _, cell := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(cell))
		}
		if len(cells) < 3 {
			t.Errorf("%s %s, line %d: a row of %d cells", apiDoc, heading, i, len(cells))
			continue
		}
		if strings.HasPrefix(cells[0], "---") || cells[0] == "status" || cells[0] == "limit" {
			continue
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		t.Fatalf("%s %s has no table", apiDoc, heading)
	}
	return rows
}
