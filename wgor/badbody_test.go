package wgor_test

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

// A nil pointer of a body type that wgor reads itself (or hands to
// net/http, on whose goroutine a panic ends the program) is refused before
// anything is sent, sent chunked or not.
func TestWriteRefusesATypedNilBody(t *testing.T) {
	f := newFakeOSS(t)
	for _, b := range []io.Reader{(*bytes.Reader)(nil), (*bytes.Buffer)(nil), (*strings.Reader)(nil), (*io.PipeReader)(nil)} {
		for _, chunked := range []bool{false, true} {
			r := f.response(b)
			r.Chunked = chunked
			var err error
			require.NotPanics(t, func() { _, err = f.client().Write(context.Background(), r) }, "%T", b)
			assert.ErrorIs(t, err, wgor.ErrInvalidResponse, "%T", b)
			assert.ErrorIs(t, err, wgor.ErrNotSent, "%T", b)
		}
	}
	assert.Zero(t, f.hits.Load())
}

// http.NoBody is empty: a ContentLength given with it is refused before the
// token is spent, as for any other body of known length.
func TestWriteRefusesNoBodyWithALength(t *testing.T) {
	f := newFakeOSS(t)
	r := f.response(http.NoBody)
	r.ContentLength = 5
	_, err := f.client().Write(context.Background(), r)
	assert.ErrorIs(t, err, wgor.ErrBodyLength)
	assert.ErrorIs(t, err, wgor.ErrNotSent)
	assert.Zero(t, f.hits.Load())
}

// countLiar returns an impossible count from Read, which io.Reader forbids.
type countLiar struct{ n int }

func (l countLiar) Read([]byte) (int, error) { return l.n, nil }

// A body whose Read returns a negative count, or more than it was given, is
// an error, never a panic.
func TestABodyReadReturningAnImpossibleCountIsAnError(t *testing.T) {
	f := newFakeOSS(t)
	for _, n := range []int{-1, 1 << 30} {
		for _, length := range []int64{0, 10} { // spooled, and streamed with its length
			r := f.response(countLiar{n})
			r.ContentLength = length
			var err error
			require.NotPanics(t, func() { _, err = f.client().Write(context.Background(), r) }, "n %d, length %d", n, length)
			assert.ErrorContains(t, err, "Read returned", "n %d, length %d", n, length)
		}
	}
}

// A ContentLength as large as an int64 holds is no reason to overflow
// while reading one byte past it: the body is short, which is an error.
func TestAContentLengthOfMaxInt64IsNoPanic(t *testing.T) {
	f := newFakeOSS(t)
	for _, body := range []io.Reader{countLiar{0}, io.MultiReader(strings.NewReader("abc"))} {
		r := f.response(body)
		r.ContentLength = math.MaxInt64
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var err error
		require.NotPanics(t, func() { _, err = f.client().Write(ctx, r) }, "%T", body)
		cancel()
		assert.Error(t, err, "%T", body)
	}
}
