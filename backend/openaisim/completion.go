package openaisim

// complete answers a valid request: n choices composed from the last user
// message, and their usage. A reasoning model first spends
// reasoningPerReplyToken tokens per token of the reply it then writes; the
// token limit, if one is set, bounds each choice's reasoning and reply
// together, as OpenAI's max_completion_tokens does. A choice cut at the limit
// finishes with "length", its reply cut short, or empty if the reasoning
// took the whole limit. The usage's cached tokens are the server's to fill.
func complete(in chatInput) completion {
	prompt := lastUserText(in.messages)
	choices := make([]chatChoice, in.n)
	reasonings := make([]int, in.n)
	completionTokens, reasoningTokens := 0, 0
	for i := range choices {
		text, finish := composeReply(prompt, i), "stop"
		reasoning := 0
		if in.reasoning {
			reasoning = reasoningPerReplyToken * textTokens(text)
		}
		if in.maxTokens > 0 {
			var cut bool
			if reasoning >= in.maxTokens {
				reasoning, text, cut = in.maxTokens, "", true
			} else {
				text, cut = truncateTokens(text, in.maxTokens-reasoning)
			}
			if cut {
				finish = "length"
			}
		}
		reasoningTokens += reasoning
		reasonings[i] = reasoning
		completionTokens += reasoning + textTokens(text)
		choices[i] = chatChoice{
			Index:        i,
			Message:      assistantReply{Role: "assistant", Content: text, Annotations: []struct{}{}},
			FinishReason: finish,
		}
	}
	p := promptTokens(in.messages)
	return completion{choices: choices, reasoning: reasonings, usage: usage{
		PromptTokens:            p,
		CompletionTokens:        completionTokens,
		TotalTokens:             p + completionTokens,
		CompletionTokensDetails: completionTokensDetails{ReasoningTokens: reasoningTokens},
	}}
}

// completion is the answer to a request: its choices, the reasoning tokens
// each spent before its reply, and their usage.
type completion struct {
	choices   []chatChoice
	reasoning []int
	usage     usage
}

// lastUserText is the text of the last user message, or of the last message
// if no user spoke.
func lastUserText(messages []promptMessage) string {
	for i := len(messages) - 1; i >= 0; i-- {
		if messages[i].role == "user" {
			return messages[i].text
		}
	}
	return messages[len(messages)-1].text
}
