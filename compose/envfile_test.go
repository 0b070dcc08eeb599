package compose

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// commentedVariables reads a dotenv file and returns each variable with the
// comment block right above it ("" when there is none).
func commentedVariables(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()

	out := map[string]string{}
	var block []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "":
			block = nil
		case strings.HasPrefix(line, "#"):
			block = append(block, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		default:
			name, _, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("%s: %q is not NAME=value", path, line)
			}
			out[strings.TrimSpace(name)] = strings.Join(block, " ")
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
