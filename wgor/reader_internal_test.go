package wgor

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// OSS reads Content-Length bytes, no more, and may answer before net/http
// makes its read past the end of a declared body: once every declared byte
// went, that read ends the body, even though OSS's answer halted it; before,
// it stops the body.
func TestHaltedBodyReaderEndsOnlyAfterEveryDeclaredByte(t *testing.T) {
	read := func(sentFirst int) (int, error) {
		br := testBody(strings.NewReader("abcd"), 4)
		buf := make([]byte, sentFirst)
		if sentFirst > 0 {
			if _, err := io.ReadFull(br, buf); err != nil {
				return 0, err
			}
		}
		br.halt() // OSS answered
		return br.Read(make([]byte, 8))
	}
	n, err := read(4)
	assert.Zero(t, n)
	assert.Equal(t, io.EOF, err, "every declared byte went: the body ends")
	_, err = read(2)
	assert.True(t, errors.Is(err, errWriteReturned), "bytes were still to go: %v", err)
}
