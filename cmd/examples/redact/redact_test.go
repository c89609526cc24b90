package redact_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/cmd/examples/redact"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

const people = `name,email,phone,card,id
Li Lei,li.lei@example.com,13812345678,4111 1111 1111 1111,11010519491231002X
Han Meimei,han+news@mail.example.cn,+86 139 1234 5678,5500-0000-0000-0004,440524188001010014
`

const masked = `name,email,phone,card,id
Li Lei,******@***********,***********,**** **** **** ****,******************
Han Meimei,********@***************,+** *** **** ****,****-****-****-****,******************
`

func TestHandlerMasksAndKeepsTheLength(t *testing.T) {
	ap := wgortest.Start(t, redact.Handler, &wgortest.Config{
		ObjectMap: map[string][]byte{"people.csv": []byte(people)},
	})
	resp, err := ap.GetObject(context.Background(), "people.csv", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, masked, string(resp.Body))
	assert.Equal(t, strconv.Itoa(len(people)), resp.Header.Get("Content-Length"))
	assert.NotEmpty(t, resp.Header.Get("Last-Modified"))

	relays := ap.Relays()
	require.Len(t, relays, 1)
	assert.Equal(t, int64(len(people)), relays[0].ContentLength, "streamed with its length, not spooled")
}

func TestHandlerPassesAMissingObjectThrough(t *testing.T) {
	ap := wgortest.Start(t, redact.Handler, nil)
	resp, err := ap.GetObject(context.Background(), "missing.txt", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "<Code>NoSuchKey</Code>")
}

func TestHandlerRefusesWhatItCannotRead(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(people))
	require.NoError(t, zw.Close())
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	objects := map[string][]byte{
		"people.csv.gz": gz.Bytes(),
		"image.png":     png,
		"binary.txt":    append([]byte("li.lei@example.com\x00\x01\x02"), gz.Bytes()...),
	}
	ap := wgortest.Start(t, redact.Handler, &wgortest.Config{ObjectMap: objects})
	for key, want := range map[string]string{
		"people.csv.gz": "gzip",
		"image.png":     "image/png",
		"binary.txt":    "does not start as UTF-8 text",
	} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		assert.Equal(t, 400, resp.StatusCode, key)
		assert.Contains(t, string(resp.Body), "<Code>UnsupportedContent</Code>", key)
		assert.Contains(t, string(resp.Body), want, key)
		assert.NotContains(t, string(resp.Body), "li.lei", key)
	}
	for _, r := range ap.Relays() {
		assert.Equal(t, 400, r.Status, "only the error was relayed, no byte of the object")
	}
}

func TestRulesMaskOnlyWhatTheyShould(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"address", "mail alice.smith@example.com today", "mail ***********@*********** today"},
		{"address before a full stop", "write to bob@x.org.", "write to ***@*****."},
		{"address in JSON", `{"e":"a_b@c.example"}`, `{"e":"***@*********"}`},
		{"host without a dot", "bob@localhost", "bob@localhost"},
		{"numeric top-level domain", "x@1.5", "x@1.5"},
		{"local part too long", strings.Repeat("a", 65) + "@x.org", strings.Repeat("a", 65) + "@x.org"},
		{"mobile", "call 13812345678.", "call ***********."},
		{"mobile in groups", "call 138 1234 5678 now", "call *** **** **** now"},
		{"mobile between Chinese text", "电话：13912345678。", "电话：***********。"},
		{"not a mobile block", "call 12812345678", "call 12812345678"},
		{"digits inside a word", "ab13812345678", "ab13812345678"},
		{"mobile as a local part", "13812345678@qq.com", "***********@******"},
		{"E.164", "+86 138 1234 5678", "+** *** **** ****"},
		{"E.164 with hyphens", "+1-415-555-2671,", "+*-***-***-****,"},
		{"E.164 too short", "+12 34", "+12 34"},
		{"E.164 with country code 0", "+0123456789", "+0123456789"},
		{"card", "card 4111 1111 1111 1111 exp", "card **** **** **** **** exp"},
		{"card with hyphens", "4111-1111-1111-1111", "****-****-****-****"},
		{"Amex", "378282246310005", "***************"},
		{"card failing Luhn", "card 4111 1111 1111 1112", "card 4111 1111 1111 1112"},
		{"twenty digits", "41111111111111111111", "41111111111111111111"},
		{"decimal fraction", "3.4111111111111111", "3.4111111111111111"},
		{"identity number", "id 11010519491231002X;", "id ******************;"},
		{"identity number, lower x", "11010519491231002x", "******************"},
		{"identity number, digit check", "440524188001010014", "******************"},
		{"identity number, wrong check", "id 110105194912310021", "id 110105194912310021"},
		{"identity number, wrong X", "44052418800101001X", "44052418800101001X"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := readAll(t, redact.NewReader(strings.NewReader(tc.in)))
			assert.Equal(t, tc.want, out)
		})
	}
}
