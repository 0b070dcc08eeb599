package openaisim

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync/atomic"
)

// Independent random streams derived from Config.Seed, so that changing one
// behaviour (say, the latency) leaves the sequence of another (the faults)
// as it was.
const (
	streamFaults uint64 = iota + 1
	streamLatency
	streamIDs
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// idSource makes identifiers unique within a Server and reproducible for a
// seed: a counter mixed by splitmix64, a bijection, so no two ever collide.
type idSource struct {
	salt uint64
	next atomic.Uint64
}

func newIDSource(seed uint64) *idSource {
	return &idSource{salt: splitmix64(seed ^ streamIDs)}
}

// hex32 returns 32 hexadecimal digits, like the tail of OpenAI's request ids.
func (s *idSource) hex32() string {
	first := splitmix64(s.next.Add(1) ^ s.salt)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], first)
	binary.BigEndian.PutUint64(b[8:], splitmix64(first))
	return hex.EncodeToString(b[:])
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
