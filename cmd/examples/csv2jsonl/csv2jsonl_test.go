package csv2jsonl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/cmd/examples/csv2jsonl"
	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

const cities = "\uFEFFcity,country,note\n" +
	"Hangzhou,CN,\"West Lake, \"\"tea\"\"\"\n" +
	"Zürich,CH,\"two\nlines\"\n" +
	"杭州,CN,\\ and \t\n"

const citiesJSONL = `{"city":"Hangzhou","country":"CN","note":"West Lake, \"tea\""}
{"city":"Zürich","country":"CH","note":"two\nlines"}
{"city":"杭州","country":"CN","note":"\\ and \t"}
`

func TestHandlerConvertsRowsToObjects(t *testing.T) {
	ap := wgortest.Start(t, csv2jsonl.Handler{}, &wgortest.Config{
		ObjectMap: map[string][]byte{"cities.csv": []byte(cities)},
	})
	resp, err := ap.GetObject(context.Background(), "cities.csv", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/jsonl", resp.Header.Get("Content-Type"))
	assert.NotEmpty(t, resp.Header.Get("Last-Modified"))
	assert.Equal(t, citiesJSONL, string(resp.Body))
	for _, line := range strings.Split(strings.TrimSuffix(string(resp.Body), "\n"), "\n") {
		var row map[string]string
		require.NoError(t, json.Unmarshal([]byte(line), &row), line)
		assert.Len(t, row, 3)
	}
}

func TestHandlerPassesAMissingObjectThrough(t *testing.T) {
	ap := wgortest.Start(t, csv2jsonl.Handler{}, nil)
	resp, err := ap.GetObject(context.Background(), "missing.csv", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "<Code>NoSuchKey</Code>")
}

func TestHandlerAnswersAMalformedRowWith400(t *testing.T) {
	objects := map[string][]byte{
		"bare-quote.csv":  []byte("a,b\n1,2\n3,x\"y\n"),
		"short-row.csv":   []byte("a,b\n1,2\n3\n"),
		"twice.csv":       []byte("a,a\n1,2\n"),
		"latin1.csv":      []byte("a,b\n1,Z\xfcrich\n"),
		"endless-row.csv": []byte("a,b\n1,\"" + strings.Repeat("x", 256<<10) + "\"\n"),
	}
	ap := wgortest.Start(t, csv2jsonl.Handler{MaxRow: 4 << 10}, &wgortest.Config{ObjectMap: objects})
	for key, want := range map[string]string{
		"bare-quote.csv":  "row 3 (line 3): bare &#34; in non-quoted-field",
		"short-row.csv":   "row 3 (line 3): wrong number of fields",
		"twice.csv":       "row 1 (line 1): the header names &#34;a&#34; twice",
		"latin1.csv":      "row 2 (line 2): field 2 is not UTF-8",
		"endless-row.csv": "row 2: row too long: a row is longer than 4096 bytes",
	} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		assert.Equal(t, 400, resp.StatusCode, key)
		assert.Contains(t, string(resp.Body), "<Code>MalformedCSV</Code>", key)
		assert.Contains(t, string(resp.Body), want, key)
	}
	for _, r := range ap.Relays() {
		assert.Equal(t, 400, r.Status, "only the error was relayed, no row")
	}
}

// rows is a CSV of n well-formed rows and then a malformed one.
func rows(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,name\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,name number %d\n", i, i)
	}
	b.WriteString("oops\n")
	return b.Bytes()
}

func TestAMalformedRowAfterMuchOutputIsStillA400WhileSpooled(t *testing.T) {
	ap := wgortest.Start(t, csv2jsonl.Handler{}, &wgortest.Config{
		ObjectMap: map[string][]byte{"late.csv": rows(20000)},
		// Past 64 KiB the spool goes to a file; still nothing is sent.
		Runtime: &fcrt.Options{SpoolMemory: 64 << 10, SpoolDir: t.TempDir()},
	})
	resp, err := ap.GetObject(context.Background(), "late.csv", nil)
	require.NoError(t, err)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "row 20002 (line 20002): wrong number of fields")
}

func TestAMalformedRowAfterSendingBeganCutsTheTransferShort(t *testing.T) {
	ap := wgortest.Start(t, csv2jsonl.Handler{}, &wgortest.Config{
		ObjectMap:    map[string][]byte{"late.csv": rows(20000)},
		AllowChunked: true,
		Runtime:      &fcrt.Options{Chunked: true},
	})
	resp, err := ap.GetObject(context.Background(), "late.csv", nil)
	require.Error(t, err, "the caller sees a broken transfer")
	require.NotNil(t, resp)
	assert.Equal(t, 200, resp.StatusCode)
	assert.NotContains(t, string(resp.Body), "MalformedCSV")
}

func TestConvertEmptyObject(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, csv2jsonl.Convert(&out, strings.NewReader(""), 0))
	assert.Empty(t, out.String())
	require.NoError(t, csv2jsonl.Convert(&out, strings.NewReader("a,b\n"), 0))
	assert.Empty(t, out.String(), "a header and no rows")
}

func TestConvertEscapesAsEncodingJSONReadsIt(t *testing.T) {
	values := []string{"plain", `"quoted"`, `back\slash`, "tab\tnew\nline\rcr", "nul\x00bell\x07esc\x1b", "杭州 <&> \u2028", ""}
	var in strings.Builder
	in.WriteString("v\n")
	for _, v := range values {
		in.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + "\"\n")
	}
	var out bytes.Buffer
	require.NoError(t, csv2jsonl.Convert(&out, strings.NewReader(in.String()), 0))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, len(values))
	for i, line := range lines {
		var row map[string]string
		require.NoError(t, json.Unmarshal([]byte(line), &row), line)
		assert.Equal(t, values[i], row["v"], line)
	}
}
