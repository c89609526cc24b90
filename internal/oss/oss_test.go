package oss

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseStatusTakesPlainDecimalOfTheList(t *testing.T) {
	for _, s := range statuses {
		n, ok := ParseStatus(strconv.Itoa(s))
		assert.True(t, ok, s)
		assert.Equal(t, s, n)
		assert.True(t, ValidStatus(s))
	}
	for _, v := range []string{"", "+200", "0200", "204", "2000", "20", " 200", "２００", "1e2"} {
		_, ok := ParseStatus(v)
		assert.False(t, ok, "%q", v)
	}
	assert.False(t, ValidStatus(204))
	assert.Equal(t, len(statuses), strings.Count(StatusList, ",")+1)
}

func TestHeaderChecks(t *testing.T) {
	assert.True(t, ValidName("X-Custom_1!"))
	for _, n := range []string{"", "a b", "a:b", "é", "a\n"} {
		assert.False(t, ValidName(n), "%q", n)
	}
	assert.True(t, ValidValue("text/plain; a=\"b\"\tc"))
	for _, v := range []string{"a\rb", "a\nb", "a\x00", "a\x7f"} {
		assert.False(t, ValidValue(v), "%q", v)
	}
	assert.True(t, Documented("content-type"))
	assert.True(t, Documented("ETag"))
	assert.False(t, Documented("Location"))
}

func TestErrorDocRoundTrip(t *testing.T) {
	in := ErrorDoc{Code: "NoSuchKey", Message: "a <b> & \"c\"", RequestID: "R1", EC: "0026-00000001"}
	out, ok := ParseErrorDoc(strings.NewReader(string(in.Marshal())), 1<<10)
	assert.True(t, ok)
	in.XMLName = out.XMLName
	assert.Equal(t, in, out)

	_, ok = ParseErrorDoc(strings.NewReader("<html>proxy</html>"), 1<<10)
	assert.False(t, ok)
	_, ok = ParseErrorDoc(strings.NewReader(""), 1<<10)
	assert.False(t, ok)
	_, ok = ParseErrorDoc(strings.NewReader("<Error><Code>"+strings.Repeat("x", 100)+"</Code></Error>"), 20)
	assert.False(t, ok, "a document cut at the limit is not one")
}

// An original's error body that stalls after a whole document does not hold
// the reader: ParseErrorDoc returns at the document's end.
func TestParseErrorDocReturnsAtTheDocumentsEnd(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte(`<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>m</Message></Error>`))
	done := make(chan ErrorDoc)
	go func() {
		doc, _ := ParseErrorDoc(pr, 64<<10)
		done <- doc
	}()
	select {
	case doc := <-done:
		assert.Equal(t, "NoSuchKey", doc.Code)
	case <-time.After(10 * time.Second):
		t.Fatal("ParseErrorDoc waited for the end of the body")
	}
}
