// Package assistant answers Scanium users' questions about the items they
// scanned, such as a better listing title, by asking a chat model with the
// items as context.
package assistant

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
)

// Item is one scanned item the question is about.
type Item struct {
	ItemID       string
	CurrentTitle string
}

// Question is what a user asks.
type Question struct {
	Message string
	Items   []Item
}

// Answer is the model's reply and what it cost.
type Answer struct {
	Reply string
	// Model is the model that answered.
	Model string
	Usage openaiprovider.Usage
	// OpenAIRequestID is OpenAI's x-request-id for the answering request.
	OpenAIRequestID string
	// Attempts is how many OpenAI API requests the answer took.
	Attempts int
}

// ChatModel is what the assistant asks; *openaiprovider.Provider is one.
type ChatModel interface {
	Chat(ctx context.Context, req openaiprovider.Request) (openaiprovider.Response, error)
	// ChatStream is Chat streamed: onDelta gets each chunk's text.
	ChatStream(ctx context.Context, req openaiprovider.Request, onDelta func(text string) error) (openaiprovider.Response, error)
	Model() string
}

// maxReplyTokens bounds a reply: titles and short descriptions.
const maxReplyTokens = 400

const systemPrompt = "You are Scanium's listing assistant. Sellers scan second-hand items and ask you for help " +
	"listing them on marketplaces: titles, short descriptions, pricing hints. Answer concisely and concretely. " +
	"When asked for a title, give one title of at most 80 characters."

// Service answers questions.
type Service struct {
	model ChatModel
}

// New creates a Service that asks model.
func New(model ChatModel) *Service { return &Service{model: model} }

// Ask answers q. Errors are the chat model's (an *openaiprovider.Error for
// OpenAI failures).
func (s *Service) Ask(ctx context.Context, q Question) (Answer, error) {
	resp, err := s.model.Chat(ctx, request(q))
	if err != nil {
		return Answer{}, err
	}
	return s.answer(resp), nil
}

// AskStream answers q as Ask does, handing each piece of the reply to
// onDelta as it comes; the Answer holds the whole reply. A failure is the
// chat model's; when the caller went away (ctx ended, or onDelta failed) it
// is openaiprovider.ErrCancelled, with the Answer of what arrived (the
// attempts, OpenAI's request id, the usage).
func (s *Service) AskStream(ctx context.Context, q Question, onDelta func(text string) error) (Answer, error) {
	resp, err := s.model.ChatStream(ctx, request(q), onDelta)
	if err != nil && !errors.Is(err, openaiprovider.ErrCancelled) {
		return Answer{}, err
	}
	return s.answer(resp), err
}

// request is the chat request that asks q.
func request(q Question) openaiprovider.Request {
	return openaiprovider.Request{
		Messages: []openaiprovider.Message{
			{Role: openaiprovider.RoleSystem, Content: systemPrompt},
			{Role: openaiprovider.RoleUser, Content: userPrompt(q)},
		},
		MaxTokens: maxReplyTokens,
	}
}

// answer is the Answer of resp; the configured model when OpenAI named none.
func (s *Service) answer(resp openaiprovider.Response) Answer {
	model := resp.Model
	if model == "" {
		model = s.model.Model()
	}
	return Answer{
		Reply: resp.Reply, Model: model, Usage: resp.Usage,
		OpenAIRequestID: resp.RequestID, Attempts: resp.Attempts,
	}
}

// userPrompt puts the items before the question, one per line.
func userPrompt(q Question) string {
	if len(q.Items) == 0 {
		return q.Message
	}
	var b strings.Builder
	b.WriteString("Items:\n")
	for _, it := range q.Items {
		fmt.Fprintf(&b, "- id %q, current title %q\n", it.ItemID, it.CurrentTitle)
	}
	b.WriteString("\nRequest: ")
	b.WriteString(q.Message)
	return b.String()
}
