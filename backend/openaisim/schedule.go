package openaisim

import (
	"cmp"
	"slices"
	"time"
)

// A streamed reply comes in content chunks: the first holds one token, as
// OpenAI's usually does, each later one tokensPerChunk.
const tokensPerChunk = 3

// streamEvent is one chunk of a streamed answer and when it is sent.
type streamEvent struct {
	// at is the time after the answer started at which the chunk is sent.
	at     time.Duration
	choice int
	// seq is the chunk's place among its choice's chunks.
	seq int
	// role marks a choice's first chunk: role "assistant", empty content.
	role bool
	// text is the content delta; tokens are its tokens.
	text   string
	tokens int
	// finish is the finish reason, set on the choice's last chunk.
	finish string
}

// schedule lays out the chunks of an answer in the order they are sent,
// choices interleaved by time, then by their chunks' places, then by index
// (so that, without a pace, the choices still take turns). Each choice generates in
// parallel, as OpenAI's do: its reasoning first, at perToken a token after
// the first-token delay, then its reply, token t at
// firstToken + (reasoning + t) × perToken. A choice's role chunk goes with its
// first content token; a content chunk goes as soon as its last token is
// generated, and the last one carries the finish reason (the role chunk
// does, when the reply is empty). The answer not streamed is complete at the
// last event.
func schedule(c completion, firstToken, perToken time.Duration) []streamEvent {
	var events []streamEvent
	for i, choice := range c.choices {
		start := firstToken + time.Duration(c.reasoning[i])*perToken
		text := choice.Message.Content
		role := streamEvent{at: start, choice: i, role: true}
		first := len(events)
		if text == "" {
			role.finish = choice.FinishReason
			events = append(events, role)
			continue
		}
		events = append(events, role)
		generated, size := 0, 1
		for text != "" {
			cut := runeOffset(text, size*charsPerToken)
			chunk := streamEvent{choice: i, seq: len(events) - first, text: text[:cut], tokens: textTokens(text[:cut])}
			text = text[cut:]
			generated += chunk.tokens
			chunk.at = start + time.Duration(generated-1)*perToken
			if text == "" {
				chunk.finish = choice.FinishReason
			}
			events = append(events, chunk)
			size = tokensPerChunk
		}
	}
	slices.SortStableFunc(events, func(a, b streamEvent) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq), cmp.Compare(a.choice, b.choice))
	})
	return events
}

// answerTime is when the last token of an answer is generated.
func answerTime(events []streamEvent) time.Duration {
	return events[len(events)-1].at
}

// midStreamStrike is the number of events sent before a mid-stream fault
// strikes: those up to the first half of the content chunks (rounded up).
func midStreamStrike(events []streamEvent) int {
	content := 0
	for _, ev := range events {
		if ev.text != "" {
			content++
		}
	}
	want, seen := (content+1)/2, 0
	for i, ev := range events {
		if ev.text != "" {
			seen++
			if seen == want {
				return i + 1
			}
		}
	}
	return len(events)
}
