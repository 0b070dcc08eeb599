package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// chatRequest is the body of POST /api/assistant/chat.
type chatRequest struct {
	Message string     `json:"message"`
	Items   []chatItem `json:"items"`
	// Stream asks for the answer as server-sent events.
	Stream bool `json:"stream,omitempty"`
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

// shelfWeight is the weight, against the scenarios' (100 in all), of a
// request about the whole shelf: one seller's shelfItems, always the same,
// with one of shelfMessages. The assistant puts the items before the
// question, so these requests share their beginning (the system prompt and
// the items, over 1024 tokens), and OpenAI (or the simulator) reads it from
// its prompt cache: they are the demo's cached input tokens.
const shelfWeight = 10

// shelfMessages are what the seller asks about the shelf.
var shelfMessages = []string{
	"Which of these items should I list first to sell fastest?",
	"Suggest a shorter marketplace title for each of these items, at most 80 characters each",
	"Group these items into bundles that would sell well together",
	"Which of these listings are missing details buyers usually ask for?",
}

// shelfItems is the seller's shelf: twenty items with the long, detailed
// titles sellers write before the assistant shortens them (the backend
// takes up to 200 characters).
var shelfItems = []chatItem{
	{"shelf-01", "Canon EOS 600D DSLR camera body with EF-S 18-55mm kit lens, two batteries, charger, strap and 16 GB SD card, about 12,000 shutter actuations, small scuff on the grip, fully working"},
	{"shelf-02", "Vintage brown leather biker jacket, men's size M, heavy cowhide, YKK zips, quilted lining, soft worn-in patina on the elbows and collar, no tears, smoke-free home, ships in a box"},
	{"shelf-03", "IKEA Billy bookcase in white, 80 x 28 x 202 cm, with two extra shelves and the wall anchor, a few marks on one side panel, already taken apart with all screws and dowels bagged"},
	{"shelf-04", "Nintendo Switch OLED console, white Joy-Cons, dock, HDMI and power cables, original box, screen protector fitted since day one, no drift on either Joy-Con, factory reset and ready"},
	{"shelf-05", "Le Creuset cast iron round casserole 24 cm in volcanic orange, 4.2 litres, enamel inside intact with light staining from use, lid knob replaced with the stainless steel one"},
	{"shelf-06", "Lego Technic 42115 Lamborghini Sian FKP 37, built once and displayed, complete with all 3,696 pieces, instruction books and the original box, no sun fading, from a pet-free home"},
	{"shelf-07", "Aluminium road bike, 56 cm frame, Shimano Tiagra 2x10 groupset, carbon fork, new tyres and bar tape this spring, rim brakes adjusted, small paint chips on the top tube, rides well"},
	{"shelf-08", "Kids' winter boots, size 30 EU, waterproof with a warm removable fleece lining and velcro straps, worn for one season, soles still have good grip, cleaned and dried, navy blue"},
	{"shelf-09", "De'Longhi Dedica espresso machine EC685 in metal silver, 15 bar pump, milk frother wand, two filter baskets and tamper, descaled last month, makes a great crema, box not included"},
	{"shelf-10", "Set of six crystal wine glasses, 450 ml, lead-free, dishwasher safe, bought as a wedding gift and used twice, no chips or cloudiness, packed in the original foam-lined gift box"},
	{"shelf-11", "Samsung Galaxy S21 5G, 128 GB, Phantom Gray, unlocked for all networks, battery health around 85 %, cracked back glass covered by a case, screen perfect, charger and cable included"},
	{"shelf-12", "Solid oak dining table, 160 x 90 cm, seats six, a few scratches and a ring mark on the top that could be sanded out, sturdy legs that unscrew for transport, collection only or courier"},
	{"shelf-13", "Sony WH-1000XM4 wireless noise-cancelling headphones in black, carry case, USB-C and audio cables, ear pads replaced with genuine Sony ones in March, battery still lasts about 25 hours"},
	{"shelf-14", "Dyson V11 cordless vacuum cleaner with wall dock, motorhead, crevice tool, combination tool and mini motorised tool, battery gives about 40 minutes on eco, filter washed, works perfectly"},
	{"shelf-15", "Hand-knitted wool scarf, 180 cm long, chunky rib stitch in charcoal grey with a cream stripe, 100 % merino, hand washed and laid flat to dry, no pilling, made by a local knitter"},
	{"shelf-16", "Makita 18V LXT cordless drill driver DHP482 with two 3.0 Ah batteries, fast charger and the Makpac case, chuck runs true, light dust and wear from home use only, tested before listing"},
	{"shelf-17", "Patagonia Better Sweater fleece jacket, women's size M, full zip, in stone blue, worn a handful of times, no stains or pulls, zip and pockets fine, from a smoke-free and pet-free home"},
	{"shelf-18", "Philips Hue White and Color Ambiance starter kit: bridge and three E27 bulbs, all paired and reset to factory settings, bridge power adapter and network cable included, original box"},
	{"shelf-19", "Mid-century teak sideboard, 180 cm wide, three drawers and two sliding doors, Danish design from the 1960s, original handles, some surface scratches and a small veneer chip at the back"},
	{"shelf-20", "Brass desk lamp with an adjustable arm and green glass shade, rewired with a new cable and switch, UK plug, patina on the brass that can be polished, bulb included, 52 cm tall at full height"},
}

// mix draws requests from scenarios and the shelf by weight, reproducibly
// for a seed.
type mix struct {
	rng   *rand.Rand
	total int
	next  int
}

func newMix(seed uint64) *mix {
	total := shelfWeight
	for _, s := range scenarios {
		total += s.weight
	}
	return &mix{rng: rand.New(rand.NewPCG(seed, seed^0x5ca1ab1e)), total: total}
}

// draw returns the next request. Not safe for concurrent use.
func (m *mix) draw() chatRequest {
	pick := m.rng.IntN(m.total)
	if pick < shelfWeight {
		return chatRequest{Message: shelfMessages[m.rng.IntN(len(shelfMessages))], Items: slices.Clone(shelfItems)}
	}
	pick -= shelfWeight
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
