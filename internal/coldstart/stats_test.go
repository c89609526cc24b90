package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []int64
		want int64
	}{
		{"none", nil, 0},
		{"one", []int64{7}, 7},
		{"odd count, unsorted", []int64{9, 1, 5}, 5},
		{"even count: the mean of the middle two", []int64{4, 1, 10, 2}, 3},
		{"repeated values", []int64{2, 2, 2, 9}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]int64(nil), tt.in...)
			assert.Equal(t, tt.want, median(tt.in))
			assert.Equal(t, in, tt.in, "the input is left as it was")
		})
	}
}

func TestQuantile(t *testing.T) {
	v := []time.Duration{5, 1, 4, 2, 3}
	assert.Equal(t, time.Duration(1), quantile(v, 0))
	assert.Equal(t, time.Duration(2), quantile(v, 0.25))
	assert.Equal(t, time.Duration(3), quantile(v, 0.5))
	assert.Equal(t, time.Duration(5), quantile(v, 1))
	assert.Equal(t, time.Duration(0), quantile(nil, 0.5))
}

func TestRotationStartsEachBinaryInEachPosition(t *testing.T) {
	first := map[int]int{}
	for r := range 6 {
		order := rotation(3, r)
		assert.ElementsMatch(t, []int{0, 1, 2}, order, "round %d starts every binary once", r)
		first[order[0]]++
	}
	assert.Equal(t, map[int]int{0: 2, 1: 2, 2: 2}, first, "each binary goes first equally often")
}

func TestParseInitTrace(t *testing.T) {
	tests := []struct {
		name      string
		stderr    string
		wantN     int
		wantClock time.Duration
		wantErr   string
	}{
		{"runtime and packages, log lines skipped", "init internal/bytealg @0.003 ms, 0 ms clock, 0 bytes, 0 allocs\n" +
			"init runtime @0.18 ms, 0.098 ms clock, 0 bytes, 0 allocs\n" +
			`{"level":"INFO","msg":"init done"}` + "\n" +
			"init crypto/internal/fips140deps/cpu @0.66 ms, 0.006 ms clock, 0 bytes, 0 allocs\n", 3, 104 * time.Microsecond, ""},
		{"a large clock time", "init main @1.5 ms, 12.5 ms clock, 80 bytes, 2 allocs\n", 1, 12500 * time.Microsecond, ""},
		{"no trace", "listening\n", 0, 0, "no inittrace lines"},
		{"malformed line", "init runtime @0.18 ms\n", 0, 0, "not in the form"},
		{"bad number", "init runtime @0.18 ms, x ms clock, 0 bytes, 0 allocs\n", 0, 0, "clock time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, clock, err := parseInitTrace([]byte(tt.stderr))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantN, n)
			assert.InDelta(t, float64(tt.wantClock), float64(clock), float64(time.Microsecond))
		})
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tredpng\nVmPeak:\t 1240000 kB\nVmRSS:\t    9400 kB\nRssAnon:\t    3000 kB\n"
	n, err := parseVmRSS([]byte(status))
	require.NoError(t, err)
	assert.Equal(t, int64(9400*1024), n)

	_, err = parseVmRSS([]byte("Name:\tredpng\n"))
	assert.ErrorContains(t, err, "no VmRSS")
	_, err = parseVmRSS([]byte("VmRSS:\t 12 MB\n"))
	assert.ErrorContains(t, err, "not in kB")
}

func TestTableShowsMediansAndRatios(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x*float64(time.Millisecond)))
		}
		return d
	}
	r := &results{starts: 3, bins: []*binResult{
		{name: "redpng", label: "redpng (wgor)", size: 7_200_000, times: ms(5.1, 5.0, 9), rss: []int64{9 << 20, 9 << 20, 9 << 20}, inits: 90, initClock: ms(0.6)},
		{name: "floor", label: "floor", size: 6_900_000, times: ms(4.9, 5.0, 5.0), rss: []int64{8 << 20, 8 << 20, 8 << 20}, inits: 80, initClock: ms(0.5)},
		{name: "sdkv2", label: "official SDK v2", size: 7_500_000, times: ms(4.0, 8.0, 6.0), rss: []int64{10 << 20, 10 << 20, 10 << 20}, inits: 85, initClock: ms(0.55)},
	}}
	got := r.table()
	for _, want := range []string{
		"| | redpng (wgor) | floor | official SDK v2 |\n| --- | --- | --- | --- |\n",
		"| binary | 7.20 MB | 6.90 MB | 7.50 MB |",
		"| binary − floor's | +0.30 MB | +0.00 MB | +0.60 MB |",
		"(median of 3) | 5.10 ms | 5.00 ms | 6.00 ms |",
		"| ratio to the floor | 1.020× | 1 | 1.200× |",
		"| ratio to SDK v2 | 0.850× | 0.833× | 1 |",
		"| ratio to the floor, paired by round (median) | 1.041× | 1 | 1.200× |",
		"| ratio to SDK v2, paired by round (median) | 1.275× | 0.833× | 1 |",
		"| RSS after it (median) | 9.0 MiB | 8.0 MiB | 10.0 MiB |",
		"| RSS − floor's | +1.0 MiB | +0.0 MiB | +2.0 MiB |",
		"| 90, 0.60 ms | 80, 0.50 ms | 85, 0.55 ms |",
	} {
		assert.Contains(t, got, want)
	}
	assert.Equal(t, 14, strings.Count(got, "\n"), got)
}
