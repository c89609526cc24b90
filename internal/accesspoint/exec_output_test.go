package accesspoint

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A line of the function's output longer than maxOutputLine is passed on
// in pieces: none of its bytes lost, and no secret split into pieces that
// redaction could not recognise.
func TestLongOutputLinesLoseNoByteAndSplitNoSecret(t *testing.T) {
	const token = "OSSV1#hostile-token-in-a-long-line-0123456789abcdef"
	for _, at := range []int{0, maxOutputLine - len(token)/2, maxOutputLine - 1, maxOutputLine + 10} {
		// The token where a line longer than maxOutputLine is cut, then a
		// word longer than that.
		line := strings.Repeat("w", at%4) + strings.Repeat(" woq", at/4) + " " + token + " " + strings.Repeat("y", 3*maxOutputLine) + " end\n"
		var out bytes.Buffer
		o := &scrubbedOutput{e: &ExecInvoker{tokens: []string{token}}, w: &out}
		for chunk := range slices.Chunk([]byte(line), 32<<10) { // os/exec's copy
			_, _ = o.Write(chunk)
		}
		o.flush()
		for i := range len(token) - 8 {
			assert.False(t, strings.Contains(out.String(), token[i:i+9]), "a piece of the token is printed when it is at %d", at)
		}
		for _, c := range []string{"w", "y", "q"} {
			assert.Equal(t, strings.Count(line, c), strings.Count(out.String(), c), "a byte is lost when the token is at %d", at)
		}
	}
}
