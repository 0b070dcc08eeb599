package openaisim

import (
	"strings"
	"testing"
)

func TestParseFaultRates(t *testing.T) {
	for _, tc := range []struct {
		text, want, err string
	}{
		{text: "", want: ""},
		{text: "none", want: ""},
		{text: " None ", want: ""},
		{text: "none,500:0.1", err: `want kind:probability`},
		{text: "500:0.02,429:0.01,hang:0.001", want: "429:0.01,500:0.02,hang:0.001"},
		{text: " 502:0.5 , 503:0.5 ,", want: "502:0.5,503:0.5"},
		{text: "HANG:1", want: "hang:1"},
		{text: "401:0", want: "401:0"},
		{text: "500", err: `want kind:probability`},
		{text: "418:0.1", err: `unknown fault "418"`},
		{text: "none:0.1", err: "none is not a fault"},
		{text: "500:0.1,500:0.2", err: "listed twice"},
		{text: "500:abc", err: "not a number"},
		{text: "500:1.5", err: "from 0 to 1"},
		{text: "500:-0.1", err: "from 0 to 1"},
		{text: "500:NaN", err: "from 0 to 1"},
		{text: "500:0.6,503:0.6", err: "add up to 1.2"},
	} {
		rates, err := ParseFaultRates(tc.text)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFaultRates(%q) error = %v, want one saying %q", tc.text, err, tc.err)
			}
		case err != nil:
			t.Errorf("ParseFaultRates(%q): %v", tc.text, err)
		case rates.String() != tc.want:
			t.Errorf("ParseFaultRates(%q) = %q, want %q", tc.text, rates, tc.want)
		}
	}
}

func TestFaultRatesTextRoundTrip(t *testing.T) {
	var r FaultRates
	if err := r.UnmarshalText([]byte("hang:0.001,500:0.02")); err != nil {
		t.Fatalf("UnmarshalText: %v", err)
	}
	text, err := r.MarshalText()
	if err != nil || string(text) != "500:0.02,hang:0.001" {
		t.Errorf("MarshalText = %q, %v; want 500:0.02,hang:0.001", text, err)
	}
	if err := r.UnmarshalText([]byte("bad")); err == nil {
		t.Error("UnmarshalText accepted bad")
	}
}

func TestFaultRatesRejectUnknownKeys(t *testing.T) {
	if err := (FaultRates{FaultNone: 0.1}).Validate(); err == nil {
		t.Error("a rate for FaultNone was accepted")
	}
	if err := (FaultRates{Fault(99): 0.1}).Validate(); err == nil {
		t.Error("a rate for Fault(99) was accepted")
	}
}

func TestParseFaultNamesEveryFault(t *testing.T) {
	for _, f := range append([]Fault{FaultNone}, faultKinds()...) {
		got, err := ParseFault(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFault(%q) = %v, %v; want %v", f.String(), got, err, f)
		}
	}
}

func TestInjectorTakesTheScriptBeforeTheRates(t *testing.T) {
	in := newFaultInjector(1, FaultRates{Fault500: 1})
	in.enqueue([]Fault{FaultNone, Fault502})
	for i, want := range []Fault{FaultNone, Fault502, Fault500} {
		if got := in.next(); got != want {
			t.Errorf("fault %d = %s, want %s", i, got, want)
		}
	}
}
