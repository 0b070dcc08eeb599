package compose

import (
	"strconv"
	"testing"
)

func TestDemoLoadMixesStreamedAndPlainRequests(t *testing.T) {
	// The load generator's own default, which compose repeats when the
	// variable is unset.
	const loadgenDefault = "50"
	s := service(t, loadExample(t, map[string]string{"LOADGEN_STREAM_PERCENT": ""}), loadgenService)
	if got, ok := env(s, "LOADGEN_STREAM_PERCENT"); !ok || got != loadgenDefault {
		t.Errorf("%s: compose passes LOADGEN_STREAM_PERCENT=%q when unset, the load generator's default is %s", loadgenService, got, loadgenDefault)
	}
	example, err := ReadEnvFile(EnvExampleFile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(example["LOADGEN_STREAM_PERCENT"])
	if err != nil || p <= 0 || p >= 100 {
		t.Errorf("%s sets LOADGEN_STREAM_PERCENT=%q: want a share strictly between 0 and 100, so make demo mixes streamed and plain requests",
			EnvExampleFile, example["LOADGEN_STREAM_PERCENT"])
	}
	s = service(t, loadExample(t, nil), loadgenService)
	if got, _ := env(s, "LOADGEN_STREAM_PERCENT"); got != example["LOADGEN_STREAM_PERCENT"] {
		t.Errorf("%s: LOADGEN_STREAM_PERCENT=%q, want %s's %q", loadgenService, got, EnvExampleFile, example["LOADGEN_STREAM_PERCENT"])
	}
}
