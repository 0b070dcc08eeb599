package openaisim

import "unicode/utf8"

// Token accounting close to OpenAI's for English text, without a tokenizer:
// a token is about four characters; each message costs a few tokens of
// framing, the reply a few more of priming (as in OpenAI's cookbook for the
// gpt-4o family), and an image part costs what OpenAI charges for a
// low-detail image.
const (
	charsPerToken      = 4
	tokensPerMessage   = 3
	tokensPerName      = 1
	tokensReplyPriming = 3
	tokensPerImage     = 85
)

// promptMessage is what the token count needs of one request message.
type promptMessage struct {
	role string
	name string
	text string
	// images are the URLs of the message's image parts (data: URLs
	// included), in order.
	images []string
}

// textTokens estimates the tokens of s: its characters divided by four,
// rounded up.
func textTokens(s string) int {
	return (utf8.RuneCountInString(s) + charsPerToken - 1) / charsPerToken
}

// promptTokens estimates the prompt tokens of a request's messages.
func promptTokens(messages []promptMessage) int {
	n := tokensReplyPriming
	for _, m := range messages {
		n += tokensPerMessage + textTokens(m.role) + textTokens(m.text) + len(m.images)*tokensPerImage
		if m.name != "" {
			n += tokensPerName + textTokens(m.name)
		}
	}
	return n
}

// truncateTokens cuts s to at most limit tokens, and reports whether it had
// to.
func truncateTokens(s string, limit int) (string, bool) {
	keep := limit * charsPerToken
	if utf8.RuneCountInString(s) <= keep {
		return s, false
	}
	i, n := 0, 0
	for i < len(s) && n < keep {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return s[:i], true
}
