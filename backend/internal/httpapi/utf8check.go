package httpapi

import (
	"unicode/utf16"
	"unicode/utf8"
)

// invalidUTF8At returns the offset of the first byte of b that does not
// begin a valid UTF-8 encoding (overlong forms and encoded surrogates
// included), or -1 when b is valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// loneSurrogateAt returns the offset of the first \u escape, in the strings
// of the JSON text b, that encoding/json would read as U+FFFD because it is
// a UTF-16 surrogate without its other half: a low surrogate alone, or a
// high surrogate not followed by a \u escape of a low one. It returns -1
// when there is none. b must be valid JSON.
func loneSurrogateAt(b []byte) int {
	inString := false
	for i := 0; i < len(b); i++ {
		if !inString {
			inString = b[i] == '"'
			continue
		}
		switch b[i] {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(b) || b[i+1] != 'u' {
				i++ // a one-character escape
				continue
			}
			r := hex4(b[i+2:])
			if !utf16.IsSurrogate(r) {
				i += 5
				continue
			}
			if i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' &&
				utf16.DecodeRune(r, hex4(b[i+8:])) != utf8.RuneError {
				i += 11
				continue
			}
			return i
		}
	}
	return -1
}

// hex4 reads the four hexadecimal digits at the start of b; -1 when there
// are not four.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
