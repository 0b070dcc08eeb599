package openaisim

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// Prompt caching as OpenAI does it: a prompt of at least 1024 tokens whose
// beginning the same model has processed recently reads that beginning from
// the cache, counted in prompt_tokens_details.cached_tokens. What is cached
// is a prefix of 1024 tokens, or of 1024 plus a multiple of 128, so
// cached_tokens is 0 or 1024 + 128·k, and never more than the prompt tokens.
// An entry unused for cacheTTL is gone.
const (
	cacheMinTokens  = 1024
	cacheStepTokens = 128
	cacheTTL        = 10 * time.Minute
)

// prefixKey identifies one cacheable prefix of a prompt: a SHA-256 of the
// model and the prefix's tokens.
type prefixKey [sha256.Size]byte

// cacheablePrefixes returns the keys of the prompt's cacheable prefixes,
// shortest first: key i is that of its first 1024 + 128·i tokens. A prompt
// of fewer than 1024 tokens has none. promptTokens is promptTokens(messages).
//
// The prompt's tokens are those promptTokens counts, in order, each with
// its content: for each message its three framing tokens, its role's, its
// name's (a marker and the name), its text's (four characters each, as
// textTokens counts them) and its images' (tokensPerImage each, from the
// image's URL); then the reply's priming. So two prompts share a prefix
// exactly when their messages agree up to it, and a conversation that goes
// on shares every token of its earlier messages with its earlier requests.
// Within a message, text comes before images, whatever the order of the
// parts.
func cacheablePrefixes(model string, messages []promptMessage, promptTokens int) []prefixKey {
	if promptTokens < cacheMinTokens {
		return nil
	}
	p := &prefixHasher{
		h:    sha256.New(),
		next: cacheMinTokens,
		want: (promptTokens-cacheMinTokens)/cacheStepTokens + 1,
	}
	p.keys = make([]prefixKey, 0, p.want)
	p.prompt(model, messages)
	return p.keys
}

// prompt hashes the prompt's tokens, in order, up to the last key wanted.
func (p *prefixHasher) prompt(model string, messages []promptMessage) {
	p.write(sepModel)
	_, _ = io.WriteString(p.h, model)
	for _, m := range messages {
		for range tokensPerMessage {
			p.token(sepFraming)
		}
		p.text(sepRole, m.role)
		if m.name != "" {
			p.token(sepNameMarker)
			p.text(sepName, m.name)
		}
		p.text(sepText, m.text)
		for _, url := range m.images {
			p.image(url)
		}
	}
	for range tokensReplyPriming {
		p.token(sepPriming)
	}
}

// Separators written into a prefix's hash before each field. The text of a
// request is valid UTF-8 (the JSON decoder makes it so), in which the byte
// 0xFF never occurs: a separator cannot be mistaken for text, so different
// token sequences hash different bytes.
var (
	sepModel      = []byte{0xFF, 'M'}
	sepFraming    = []byte{0xFF, 'F'}
	sepRole       = []byte{0xFF, 'R'}
	sepNameMarker = []byte{0xFF, 'n'}
	sepName       = []byte{0xFF, 'N'}
	sepText       = []byte{0xFF, 'T'}
	sepImage      = []byte{0xFF, 'I'}
	sepImageMore  = []byte{0xFF, 'i'}
	sepPriming    = []byte{0xFF, 'P'}
)

// prefixHasher hashes a prompt's tokens in order and keeps the hash at each
// cacheable length, until it has the want keys the prompt's length allows.
type prefixHasher struct {
	h    hash.Hash
	pos  int // tokens hashed
	next int // the length of the next key
	want int
	keys []prefixKey
}

func (p *prefixHasher) done() bool { return len(p.keys) == p.want }

func (p *prefixHasher) write(b []byte) { _, _ = p.h.Write(b) }

// token hashes one token whose content is b.
func (p *prefixHasher) token(b []byte) {
	if p.done() {
		return
	}
	p.write(b)
	p.pos++
	p.mark()
}

// mark keeps the hash if the tokens hashed reach the next cacheable length.
func (p *prefixHasher) mark() {
	if p.pos != p.next {
		return
	}
	var k prefixKey
	p.h.Sum(k[:0])
	p.keys = append(p.keys, k)
	p.next += cacheStepTokens
}

// text hashes the tokens of s, four characters each, preceded by sep.
func (p *prefixHasher) text(sep []byte, s string) {
	if s == "" || p.done() {
		return
	}
	p.write(sep)
	for s != "" && !p.done() {
		cut := runeOffset(s, (p.next-p.pos)*charsPerToken)
		_, _ = io.WriteString(p.h, s[:cut])
		p.pos += textTokens(s[:cut])
		s = s[cut:]
		p.mark()
	}
}

// image hashes an image's tokensPerImage tokens: the first holds its URL.
func (p *prefixHasher) image(url string) {
	if p.done() {
		return
	}
	p.write(sepImage)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(url)))
	p.write(n[:])
	_, _ = io.WriteString(p.h, url)
	p.pos++
	p.mark()
	for range tokensPerImage - 1 {
		p.token(sepImageMore)
	}
}

// runeOffset is the byte offset of the n-th character of s, or len(s) if s
// has no more than n.
func runeOffset(s string, n int) int {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// promptCache remembers the cacheable prefixes of the prompts the server has
// answered: at most size of them, the least recently used dropped first, and
// none unused for cacheTTL. It is safe for concurrent use.
type promptCache struct {
	mu      sync.Mutex
	size    int
	entries map[prefixKey]*list.Element // of *cacheEntry
	byUse   list.List                   // most recently used at the front
}

type cacheEntry struct {
	key      prefixKey
	lastUsed time.Time
}

func newPromptCache(size int) *promptCache {
	return &promptCache{size: size, entries: make(map[prefixKey]*list.Element)}
}

// cachedTokens is the length of the longest of keys (a prompt's cacheable
// prefixes, shortest first) that the cache holds at now, or 0.
func (c *promptCache) cachedTokens(now time.Time, keys []prefixKey) int {
	if len(keys) == 0 {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	for i := len(keys) - 1; i >= 0; i-- {
		if _, ok := c.entries[keys[i]]; ok {
			return cacheMinTokens + i*cacheStepTokens
		}
	}
	return 0
}

// remember records that a prompt with these prefixes was answered at now:
// each is added, or marked used. A prompt with more prefixes than the cache
// holds leaves its longest.
func (c *promptCache) remember(now time.Time, keys []prefixKey) {
	if len(keys) == 0 {
		return
	}
	if len(keys) > c.size {
		keys = keys[len(keys)-c.size:]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	for _, k := range keys {
		if el, ok := c.entries[k]; ok {
			el.Value.(*cacheEntry).lastUsed = now
			c.byUse.MoveToFront(el)
			continue
		}
		c.entries[k] = c.byUse.PushFront(&cacheEntry{key: k, lastUsed: now})
		if c.byUse.Len() > c.size {
			c.drop(c.byUse.Back())
		}
	}
}

// expire drops the entries unused for cacheTTL at now. The least recently
// used are at the back.
func (c *promptCache) expire(now time.Time) {
	for el := c.byUse.Back(); el != nil && now.Sub(el.Value.(*cacheEntry).lastUsed) >= cacheTTL; el = c.byUse.Back() {
		c.drop(el)
	}
}

func (c *promptCache) drop(el *list.Element) {
	delete(c.entries, el.Value.(*cacheEntry).key)
	c.byUse.Remove(el)
}

// held is the number of prefixes held, expired ones included until the
// next use of the cache drops them.
func (c *promptCache) held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byUse.Len()
}
