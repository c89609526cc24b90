package wgor

import (
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRoute(t *testing.T) {
	tests := []struct {
		route, scheme, host string
	}{
		{"oss.example", "https", "oss.example"},
		{"oss.example:8443", "https", "oss.example:8443"},
		{"http://127.0.0.1:8080", "http", "127.0.0.1:8080"},
		{"HTTPS://Oss.Example/", "https", "Oss.Example"},
		{"http://[::1]:9000", "http", "[::1]:9000"},
		{"[fe80::1]", "https", "[fe80::1]"},
		{"under_score.example", "https", "under_score.example"},
	}
	for _, tt := range tests {
		rt, err := parseRoute(tt.route, "https")
		require.NoError(t, err, tt.route)
		assert.Equal(t, route{scheme: tt.scheme, host: tt.host}, rt, tt.route)
	}
	for _, bad := range []string{"[::1", "[::1]x", "[zz::1]", "[]:80", "host:", "host:0", "host:+80", "host:abc", "ho%st", "ho st"} {
		_, err := parseRoute(bad, "https")
		assert.ErrorIs(t, err, ErrInvalidResponse, bad)
	}
}

func TestDecodeStringToSignBytes(t *testing.T) {
	sts := "OSS4-HMAC-SHA256\n20261124T120000Z"
	var spaced []string
	for _, b := range []byte(sts) {
		spaced = append(spaced, hex.EncodeToString([]byte{b}))
	}
	got, ok := decodeBytes(strings.Join(spaced, " "))
	assert.True(t, ok)
	assert.Equal(t, sts, got)
	for _, s := range []string{sts, "4f 53", "4f 53 53 34 2d 48 4d zz", "4f 53 53 34 2d 48 4d 415"} {
		_, ok := decodeBytes(s)
		assert.False(t, ok, s)
	}
	eb := parseErrorBody([]byte("<Error><Code>SignatureDoesNotMatch</Code><StringToSignBytes>" + strings.Join(spaced, " ") + "</StringToSignBytes></Error>"))
	decoded, ok := decodeBytes(eb.stringToSign)
	assert.True(t, ok)
	assert.Equal(t, sts, decoded)
}

func TestMismatch(t *testing.T) {
	local := "OSS4-HMAC-SHA256\n20261124T120000Z\n20261124/cn-qingdao/oss/aliyun_v4_request\nabc"
	assert.Equal(t, "OSS's string to sign has 3 lines, wgor's has 4",
		mismatch("OSS4-HMAC-SHA256\n20261124T120000Z\n20261124/cn-qingdao/oss/aliyun_v4_request", local, "", ""))
	assert.Contains(t, mismatch(strings.Replace(local, "T120000Z", "T120001Z", 1), local, "", ""),
		"line 2 (date and time), byte 15")
	assert.Contains(t, mismatch(local+"\nextra", local+"\nother", "", ""), `line 5 (line), byte 1: OSS has "extra", wgor signed "other"`)

	cr := "POST\n/\nx-oss-write-get-object-response\nx-oss-date:20261124T120000Z\nx-oss-request-token:SECRET\n\n\nUNSIGNED-PAYLOAD"
	for _, tt := range []struct{ server, says string }{
		{strings.Replace(cr, "POST", "PUT", 1), `line 1 (method)`},
		{strings.Replace(cr, "\n/\n", "\n/b/\n", 1), `line 2 (URI)`},
		{strings.Replace(cr, "\n\n\n", "\n\nhost\n", 1), `line 7 (additional headers)`},
		{strings.Replace(cr, "UNSIGNED-PAYLOAD", "e3b0", 1), `line 8 (payload hash)`},
		{strings.Replace(cr, "token:SECRET", "token:OTHER", 1), `"x-oss-request-token:" (value not shown)`},
		{strings.Replace(cr, "x-oss-request-token:SECRET\n", "", 1), `line 5 (headers): OSS has ""`},
	} {
		got := canonicalMismatch(tt.server, cr)
		assert.Contains(t, got, tt.says)
		assert.NotContains(t, got, "SECRET")
		assert.NotContains(t, got, "OTHER")
	}
	assert.Empty(t, canonicalMismatch(cr, cr))
}

type noProgress struct{ data []byte }

func (n *noProgress) Read(p []byte) (int, error) {
	if len(n.data) == 0 {
		return 0, nil // never EOF, never data
	}
	c := copy(p, n.data)
	n.data = n.data[c:]
	return c, nil
}

func TestBodyReaderGivesUpOnASourceThatNeverEnds(t *testing.T) {
	br := &bodyReader{r: newSource(&noProgress{data: []byte("abc")}, false), left: 3, total: 3}
	_, err := io.ReadAll(br)
	assert.ErrorIs(t, err, io.ErrNoProgress)
}

func TestBodyReaderKeepsItsError(t *testing.T) {
	boom := errors.New("boom")
	br := &bodyReader{r: newSource(io.MultiReader(strings.NewReader("ab"), errReader{boom}), false), left: 5, total: 5}
	_, err := io.ReadAll(br)
	assert.ErrorIs(t, err, boom)
	_, err = br.Read(make([]byte, 1))
	assert.ErrorIs(t, err, boom, "a failed body stays failed")
	n, err := br.WriteTo(io.Discard)
	assert.Zero(t, n)
	assert.ErrorIs(t, err, boom)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestSnippet(t *testing.T) {
	assert.Equal(t, "a b c", snippet("  a \r\n\tb\x00c  "))
	long := snippet(strings.Repeat("x", 1000))
	assert.Equal(t, maxSnippet+3, len(long))
	assert.True(t, strings.HasSuffix(long, "..."))
}

func TestGetBodyRewindsToWhereTheBodyStarted(t *testing.T) {
	data := "skip:the body"
	path := t.TempDir() + "/body"
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
	fh, err := os.Open(path)
	require.NoError(t, err)
	defer fh.Close()
	bs := strings.NewReader(data)
	for name, src := range map[string]io.ReadSeeker{"file": fh, "strings.Reader": bs} {
		for _, declared := range []int64{0, int64(len(data) - 5)} {
			_, err := src.Seek(5, io.SeekStart)
			require.NoError(t, err)
			b := new(body)
			require.NoError(t, b.init(&Response{Body: src, ContentLength: declared}, false), name)
			rc, getBody, _ := b.attempt()
			require.NotNil(t, getBody, name)
			part := make([]byte, 3)
			_, err = io.ReadFull(rc, part)
			require.NoError(t, err)
			again, err := getBody()
			require.NoError(t, err)
			all, err := io.ReadAll(again)
			require.NoError(t, err)
			assert.Equal(t, "the body", string(all), name)
		}
	}
	b := new(body)
	require.NoError(t, b.init(&Response{}, false))
	_, getBody, _ := b.attempt()
	rc, err := getBody()
	require.NoError(t, err)
	assert.Equal(t, http.NoBody, rc)
}

func TestBackoffDoublesUpToACap(t *testing.T) {
	c := &Client{RetryBackoff: time.Second}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, maxBackoff, maxBackoff},
		[]time.Duration{c.backoff(1), c.backoff(2), c.backoff(3), c.backoff(4), c.backoff(5), c.backoff(100)})
	assert.Equal(t, DefaultRetryBackoff, (&Client{}).backoff(1))
}

// TestStaticTables: the tables written out as constants, so that a cold
// start builds nothing, say what they are derived from.
func TestStaticTables(t *testing.T) {
	var list []string
	for i, v := range validStatus {
		list = append(list, strconv.Itoa(v))
		assert.Equal(t, strconv.Itoa(v), statusTexts[i], "statusTexts[%d]", i)
		text, ok := statusText(v)
		assert.True(t, ok, v)
		assert.Equal(t, strconv.Itoa(v), text)
	}
	assert.Equal(t, strings.Join(list, ", "), validStatusList)
	for _, bad := range []int{-1, 0, 100, 199, 201, 299, 502, 504, 1 << 40} {
		assert.False(t, ValidStatus(bad), bad)
	}
	for i, d := range documented {
		assert.Equal(t, fwdPrefix+d, fwdKeys[i])
	}
}
