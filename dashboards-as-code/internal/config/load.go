package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes and validates the configuration file at path. Its error
// lists every problem found, each prefixed by path and the offending key.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read configuration: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a configuration; name prefixes its messages.
func Parse(name string, data []byte) (Config, error) {
	var raw rawConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, &Error{File: name, Problems: yamlProblems(err)}
	}
	p := &problems{}
	cfg := raw.validate(p)
	if len(p.list) > 0 {
		return Config{}, &Error{File: name, Problems: p.list}
	}
	return cfg, nil
}

// Error lists the problems of a configuration file.
type Error struct {
	File     string
	Problems []Problem
}

// Problem is one missing or bad value.
type Problem struct {
	// Path is the dotted key of the value (alerts.error_rate.window), or the
	// line for a syntax error.
	Path    string
	Message string
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = fmt.Sprintf("%s: %s: %s", e.File, p.Path, p.Message)
	}
	return strings.Join(lines, "\n")
}

// problems collects validation problems in the order they are found.
type problems struct {
	list []Problem
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// yamlTypeName matches the Go type yaml.v3 names in its messages, which means
// nothing to the reader of the file.
var yamlTypeName = regexp.MustCompile(` in type [\w.]+`)

// yamlProblems turns a decoding error into problems, one per yaml.v3 message.
func yamlProblems(err error) []Problem {
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		out := make([]Problem, 0, len(typeErr.Errors))
		for _, msg := range typeErr.Errors {
			msg = yamlTypeName.ReplaceAllString(msg, "")
			path, rest, ok := strings.Cut(msg, ": ")
			if !ok {
				path, rest = "yaml", msg
			}
			out = append(out, Problem{Path: path, Message: rest})
		}
		return out
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	path, rest, ok := strings.Cut(msg, ": ")
	if !ok || !strings.HasPrefix(path, "line ") {
		path, rest = "yaml", msg
	}
	return []Problem{{Path: path, Message: rest}}
}
