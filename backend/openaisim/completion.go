package openaisim

// complete answers a valid request: n choices composed from the last user
// message, cut at the token limit if one is set, and their usage.
func complete(in chatInput) ([]chatChoice, usage) {
	prompt := lastUserText(in.messages)
	choices := make([]chatChoice, in.n)
	completionTokens := 0
	for i := range choices {
		text, finish := composeReply(prompt, i), "stop"
		if in.maxTokens > 0 {
			var cut bool
			if text, cut = truncateTokens(text, in.maxTokens); cut {
				finish = "length"
			}
		}
		completionTokens += textTokens(text)
		choices[i] = chatChoice{
			Index:        i,
			Message:      assistantReply{Role: "assistant", Content: text, Annotations: []struct{}{}},
			FinishReason: finish,
		}
	}
	p := promptTokens(in.messages)
	return choices, usage{PromptTokens: p, CompletionTokens: completionTokens, TotalTokens: p + completionTokens}
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
