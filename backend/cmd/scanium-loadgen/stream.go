package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
)

// streamEnd is how a streamed answer ended.
type streamEnd int

const (
	// streamBroken: the stream ended with neither a done nor an error event.
	streamBroken streamEnd = iota
	streamDone
	streamError
)

// streamResult is what reading a streamed answer found.
type streamResult struct {
	end streamEnd
	// firstDelta is the time from the request to the first delta event;
	// deltas counts the delta events.
	firstDelta time.Duration
	deltas     int
	// errorCode is the code of the error event, if one ended the stream.
	errorCode string
}

// readStream reads the backend's server-sent events (httpapi's
// StreamEvent*) until the done or error event, or the end of body. sent is
// when the request was sent, now the clock that times the first delta.
func readStream(body io.Reader, sent time.Time, now func() time.Time) (streamResult, error) {
	var res streamResult
	scanner := bufio.NewScanner(body)
	scanner.Buffer(make([]byte, 0, 64<<10), maxAnswerBytes)
	var event, data string
	for scanner.Scan() {
		line := scanner.Text()
		if line != "" {
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				event = value
			case "data":
				data += value
			}
			continue
		}
		switch event {
		case httpapi.StreamEventDelta:
			if res.deltas == 0 {
				res.firstDelta = now().Sub(sent)
			}
			res.deltas++
			var d httpapi.StreamDelta
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				return res, fmt.Errorf("delta event %q: %w", data, err)
			}
		case httpapi.StreamEventDone:
			var d httpapi.StreamDone
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				return res, fmt.Errorf("done event %q: %w", data, err)
			}
			res.end = streamDone
			return res, nil
		case httpapi.StreamEventError:
			var e struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				return res, fmt.Errorf("error event %q: %w", data, err)
			}
			res.end, res.errorCode = streamError, e.Error.Code
			return res, nil
		}
		event, data = "", ""
	}
	if err := scanner.Err(); err != nil {
		return res, fmt.Errorf("read the stream: %w", err)
	}
	return res, nil
}
