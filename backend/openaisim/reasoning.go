package openaisim

import "strings"

// reasoningPerReplyToken is how many tokens a reasoning model spends
// thinking per token of its visible reply: reasoning is three quarters of
// an uncut completion.
const reasoningPerReplyToken = 3

// isReasoningModel tells whether model thinks before it answers, and so
// reports reasoning tokens: the o-series (o1, o3, o3-mini, o4-mini, ...) and
// the gpt-5 family (gpt-5, gpt-5-mini, gpt-5-nano, their snapshots), but not
// gpt-5-chat-latest, the non-reasoning model behind ChatGPT.
func isReasoningModel(model string) bool {
	if len(model) >= 2 && model[0] == 'o' && model[1] >= '1' && model[1] <= '9' {
		return true
	}
	rest, ok := strings.CutPrefix(model, "gpt-5")
	if !ok || (rest != "" && rest[0] != '-' && rest[0] != '.') {
		return false
	}
	return !strings.HasPrefix(strings.TrimLeft(rest, ".0123456789"), "-chat")
}
