package httpapi

// A chat request with "stream": true is answered as text/event-stream:
// a StreamEventDelta event per content chunk OpenAI sends, then one
// StreamEventDone event, or one StreamEventError event whose data is the
// usual error body, {"error": {"code": ..., "message": ...}}. Each event is
//
//	event: <name>
//	data: <one line of JSON>
//
// followed by an empty line. Bad input, authentication and every answer
// before the stream starts keep their usual statuses and JSON bodies.
const (
	StreamEventDelta = "delta"
	StreamEventDone  = "done"
	StreamEventError = "error"
	// StreamContentType is the Content-Type of a streamed answer.
	StreamContentType = "text/event-stream"
)

// StreamDelta is the data of a StreamEventDelta event: the text of one
// chunk.
type StreamDelta struct {
	Text string `json:"text"`
}

// StreamDone is the data of the StreamEventDone event: the fields of the
// answer that is not streamed, but the reply.
type StreamDone struct {
	Model string    `json:"model"`
	Usage ChatUsage `json:"usage"`
}
