package main

import (
	"fmt"
	"math/rand/v2"
)

// chatRequest is the body of POST /api/assistant/chat.
type chatRequest struct {
	Message string     `json:"message"`
	Items   []chatItem `json:"items"`
}

type chatItem struct {
	ItemID       string `json:"itemId"`
	CurrentTitle string `json:"currentTitle"`
}

// scenario is one kind of request the mix draws, with its weight.
type scenario struct {
	weight  int
	message string
	titles  []string
}

// scenarios are what Scanium users ask the assistant for, weighted like a
// day's traffic: mostly titles for one item, some for a batch, a few long
// descriptions that cost more tokens.
var scenarios = []scenario{
	{weight: 50, message: "Generate a listing title for this item", titles: []string{"Vintage leather jacket", "Canon EOS 600D body", "IKEA Billy bookcase, white", "Nintendo Switch OLED", "Le Creuset casserole 24 cm"}},
	{weight: 20, message: "Suggest better titles for these items so they sell faster", titles: []string{"Lego Technic 42115", "Road bike 56 cm", "Kids' winter boots size 30", "Espresso machine", "Set of 6 wine glasses"}},
	{weight: 15, message: "Write a short, honest description highlighting condition and defects", titles: []string{"Samsung Galaxy S21, cracked back", "Oak dining table with scratches", "Sony WH-1000XM4 headphones"}},
	{weight: 10, message: "Which category fits this item best, and what price range is realistic?", titles: []string{"Dyson V11 vacuum", "Hand-knitted wool scarf", "Makita cordless drill"}},
	{weight: 5, message: "Translate the title to German and French, keeping brand names", titles: []string{"Patagonia fleece jacket, size M", "Philips Hue starter kit"}},
}

// maxItemsPerRequest bounds a batch request, well under the backend's limit.
const maxItemsPerRequest = 4

// mix draws requests from scenarios by weight, reproducibly for a seed.
type mix struct {
	rng   *rand.Rand
	total int
	next  int
}

func newMix(seed uint64) *mix {
	total := 0
	for _, s := range scenarios {
		total += s.weight
	}
	return &mix{rng: rand.New(rand.NewPCG(seed, seed^0x5ca1ab1e)), total: total}
}

// draw returns the next request. Not safe for concurrent use.
func (m *mix) draw() chatRequest {
	pick := m.rng.IntN(m.total)
	s := scenarios[len(scenarios)-1]
	for _, candidate := range scenarios {
		if pick < candidate.weight {
			s = candidate
			break
		}
		pick -= candidate.weight
	}
	n := 1
	if len(s.titles) > 1 && s.weight < 50 {
		n = 1 + m.rng.IntN(min(len(s.titles), maxItemsPerRequest))
	}
	items := make([]chatItem, n)
	for i := range items {
		m.next++
		items[i] = chatItem{
			ItemID:       fmt.Sprintf("loadgen-%d", m.next),
			CurrentTitle: s.titles[m.rng.IntN(len(s.titles))],
		}
	}
	return chatRequest{Message: s.message, Items: items}
}
