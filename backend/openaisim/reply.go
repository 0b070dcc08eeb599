package openaisim

import (
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a suggested listing title.
const (
	maxTitleWords = 7
	maxTitleChars = 80 // the longest title the big marketplaces accept
)

// fallbackTitle is suggested when the prompt has no usable words.
const fallbackTitle = "Pre-Owned Item in Good Condition"

// composeReply writes the assistant's answer to prompt: a marketplace
// listing title built from the prompt's words and a short description.
// The same prompt and variant always give the same text; variants differ
// in their sentences, as the choices of one request would.
func composeReply(prompt string, variant int) string {
	title := suggestTitle(prompt)
	h := fnv.New64a()
	h.Write([]byte(prompt))
	pick := splitmix64(h.Sum64() + uint64(variant))

	conditions := [...]string{
		"Shows light signs of wear consistent with age; see the photos for details.",
		"Clean, complete and ready to use.",
		"Well kept and stored in a smoke-free home.",
		"Minor cosmetic marks that do not affect use.",
		"Tested and working as it should.",
	}
	closings := [...]string{
		"Ships within two business days, carefully packed.",
		"Pickup available, or shipped tracked.",
		"Happy to answer questions or send more photos.",
		"Priced to sell; reasonable offers considered.",
	}
	var b strings.Builder
	b.WriteString("Suggested title: ")
	b.WriteString(title)
	b.WriteString("\n\nDescription: ")
	b.WriteString(title)
	b.WriteString(", in good used condition. ")
	b.WriteString(conditions[pick%uint64(len(conditions))])
	b.WriteByte(' ')
	b.WriteString(closings[(pick>>32)%uint64(len(closings))])
	return b.String()
}

// suggestTitle keeps the first meaningful words of prompt, title-cased.
func suggestTitle(prompt string) string {
	var words []string
	seen := make(map[string]bool)
	length := 0
	for word := range strings.FieldsFuncSeq(prompt, notWordRune) {
		lower := strings.ToLower(word)
		if isStopword(lower) || seen[lower] || !strings.ContainsFunc(word, isLetterOrDigit) {
			continue
		}
		word = titleCase(word)
		if length+len(word)+1 > maxTitleChars {
			break
		}
		seen[lower] = true
		words = append(words, word)
		length += len(word) + 1
		if len(words) == maxTitleWords {
			break
		}
	}
	if len(words) == 0 {
		return fallbackTitle
	}
	return strings.Join(words, " ")
}

func notWordRune(r rune) bool {
	return !isLetterOrDigit(r) && r != '-' && r != '\''
}

func isLetterOrDigit(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// titleCase capitalises a lower-case word and leaves any other as written
// ("iPhone", "USB").
func titleCase(word string) string {
	if word != strings.ToLower(word) {
		return word
	}
	r, size := utf8.DecodeRuneInString(word)
	return string(unicode.ToTitle(r)) + word[size:]
}

// isStopword reports whether a lower-case word is filler in a request for
// a listing.
func isStopword(w string) bool {
	switch w {
	case "a", "an", "and", "are", "as", "at", "be", "by", "can", "could", "for", "from", "give",
		"help", "how", "i", "i'm", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our",
		"please", "sell", "selling", "should", "that", "the", "this", "to", "want", "we", "what",
		"with", "would", "write", "you", "your",
		"create", "describe", "description", "generate", "item", "listing", "make", "photo",
		"picture", "product", "short", "suggest", "suggestion", "title":
		return true
	}
	return false
}
