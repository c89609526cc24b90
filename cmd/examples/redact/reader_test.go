package redact_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/cmd/examples/redact"
)

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

// chunks reads its source n bytes at most per Read.
type chunks struct {
	r io.Reader
	n int
}

func (c *chunks) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// text is lines of people with filler between, long enough to span many
// windows, so that matches fall across every kind of read boundary.
func text(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(people)
		b.WriteString(strings.Repeat("lorem ipsum ", rng.IntN(40)))
		b.WriteString("\n")
	}
	return b.Bytes()
}

func TestReaderFindsMatchesSplitAcrossReads(t *testing.T) {
	in := text(300 << 10)
	want := readAll(t, redact.NewReader(bytes.NewReader(in)))
	require.Len(t, want, len(in))
	require.NotContains(t, want, "li.lei@example.com")
	require.Equal(t, strings.Count(string(in), ",li.lei@example.com,"), strings.Count(want, ",******@***********,"))

	for _, n := range []int{1, 2, 3, 7, 100, 4093, 65536, 70000} {
		got := readAll(t, &chunks{r: redact.NewReader(&chunks{r: bytes.NewReader(in), n: n}), n: 999})
		assert.Equal(t, want, got, "source read %d bytes at a time", n)
	}
	got := readAll(t, iotest.OneByteReader(redact.NewReader(iotest.HalfReader(bytes.NewReader(in)))))
	assert.Equal(t, want, got)

	var out bytes.Buffer
	_, err := io.Copy(&out, redact.NewReader(&chunks{r: bytes.NewReader(in), n: 5}))
	require.NoError(t, err)
	assert.Equal(t, want, out.String(), "WriteTo")
}

func TestReaderNeverShowsUndecidedBytesOfAFailedSource(t *testing.T) {
	in := "ok " + strings.Repeat("x", 1000) + " li.lei@exam"
	broken := io.MultiReader(strings.NewReader(in), iotest.ErrReader(errors.New("connection reset")))
	out, err := io.ReadAll(redact.NewReader(broken))
	require.ErrorContains(t, err, "connection reset")
	assert.NotContains(t, string(out), "li.lei", "a match cut by the failure stays undecided, not shown")
}
