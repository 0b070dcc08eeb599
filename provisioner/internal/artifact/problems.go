package artifact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Problem is one thing wrong with an artifact.
type Problem struct {
	// File is the artifact's path relative to the bundle directory.
	File string
	// Where locates the problem inside the file ("rules[uid=x].for", or
	// "12:5" for a syntax error); empty for the whole file.
	Where string
	Msg   string
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.File + ": " + p.Msg
	}
	return p.File + ": " + p.Where + ": " + p.Msg
}

// Error lists every problem found in a bundle. Load and Validate return it
// so that one run shows everything to fix.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s) in the artifacts:\n  %s", len(lines), strings.Join(lines, "\n  "))
}

// problems collects Problems for one file.
type problems struct {
	list *[]Problem
	file string
}

func (p problems) add(where, format string, args ...any) {
	*p.list = append(*p.list, Problem{File: p.file, Where: where, Msg: fmt.Sprintf(format, args...)})
}

// decodeStrict decodes one JSON document into v, rejecting fields v does
// not have and anything after the document.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON document")
	}
	return nil
}

// decodeGeneric decodes one JSON document into generic values, numbers as
// json.Number.
func decodeGeneric(raw []byte) (any, error) {
	var v any
	if err := decodeStrict(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// position turns a decoding error into "line:column" when it carries an
// offset, so that the message points into the file.
func position(raw []byte, err error) string {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(raw)) {
		return ""
	}
	before := raw[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("%d:%d", line, col)
}
