package wgor

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// field is one child of <Error> and its text.
type field struct{ name, text string }

// docFields runs ParseErrorDoc and collects what it passes to set.
func docFields(data []byte) ([]field, bool, *DocError) {
	var got []field
	isDoc, err := ParseErrorDoc(data, func(name, text string) { got = append(got, field{name, text}) })
	return got, isDoc, err
}

// stdFields reads data with encoding/xml and returns the children of
// <Error> and their text when data is a well-formed document of OSS's
// shape: a root <Error> without attributes or namespaces, whose children
// hold text only, with nothing but white space, comments and processing
// instructions outside it. ok is false for anything else.
func stdFields(data []byte) (fields []field, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth, root := 0, false
	var name string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, false // io.EOF included: </Error> never came
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if len(t.Attr) > 0 || t.Name.Space != "" || root || depth > 2 ||
				depth == 1 && t.Name.Local != "Error" {
				return nil, false
			}
			name = t.Name.Local
			text.Reset()
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			} else if depth == 0 && strings.Trim(string(t), " \t\r\n") != "" {
				return nil, false
			}
		case xml.EndElement:
			if depth == 2 {
				fields = append(fields, field{name, text.String()})
			}
			depth--
			if depth == 0 {
				return fields, true
			}
		case xml.Directive:
			return nil, false
		}
	}
}

// stdLax reports whether ParseErrorDoc stopped (with err) where
// encoding/xml reads on by design: a character reference to a surrogate,
// which XML 1.0 §4.1 does not allow and encoding/xml turns into U+FFFD,
// and an element name with a character outside ASCII, which ParseErrorDoc
// does not read (OSS's names are ASCII).
func stdLax(data []byte, err *DocError) bool {
	rest := data[err.Offset:]
	if strings.HasSuffix(err.Reason, "invalid or undefined character entity") && bytes.HasPrefix(rest, []byte("&#")) {
		ref, _, _ := strings.Cut(string(rest[2:]), ";")
		base := 10
		if strings.HasPrefix(ref, "x") {
			base, ref = 16, ref[1:]
		}
		n, perr := strconv.ParseUint(ref, base, 64)
		return perr == nil && 0xd800 <= n && n <= 0xdfff
	}
	return strings.Contains(err.Reason, "has attributes or a stray character") && len(rest) > 0 && rest[0] >= 0x80
}

func TestParseErrorDocReadsOSSErrorBodies(t *testing.T) {
	tests := []struct {
		name, body string
		want       []field
	}{
		{"plain", `<Error><Code>AccessDenied</Code><Message>no</Message></Error>`, []field{{"Code", "AccessDenied"}, {"Message", "no"}}},
		{"declaration, white space and line ends", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Error>\r\n  <Code>A</Code>\n  <Message>a\r\nb\rc</Message>\n</Error>\n", []field{{"Code", "A"}, {"Message", "a\nb\nc"}}},
		{"predefined entities", `<Error><Message>&lt;&gt;&amp;&apos;&quot;</Message></Error>`, []field{{"Message", `<>&'"`}}},
		{"decimal and hex references", `<Error><Message>&#35;&#x41;&#x1F600;&#0000065;</Message></Error>`, []field{{"Message", "#A\U0001F600A"}}},
		{"CDATA keeps markup as text", `<Error><Message><![CDATA[<b>&amp;</b>]]> after</Message></Error>`, []field{{"Message", "<b>&amp;</b> after"}}},
		{"comments and processing instructions skipped", `<!-- c --><?pi x?><Error><!--x--><Code>A<!-- in -->B<?p q?>C</Code></Error>`, []field{{"Code", "ABC"}}},
		{"empty and self-closing children", `<Error><Code/><Message></Message><HostId /></Error>`, []field{{"Code", ""}, {"Message", ""}, {"HostId", ""}}},
		{"self-closing root", `<Error/>`, nil},
		{"white space in tags", "<Error ><Code\t>A</Code\n></Error >", []field{{"Code", "A"}}},
		{"text beside children is ignored", `<Error>x<Code>A</Code>y</Error>`, []field{{"Code", "A"}}},
		{"what follows </Error> is not read", `<Error><Code>A</Code></Error><Error><Code>B</Code></Error>`, []field{{"Code", "A"}}},
		{"non-ASCII text", `<Error><Message>签名不匹配 ☃</Message></Error>`, []field{{"Message", "签名不匹配 ☃"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, isDoc, err := docFields([]byte(tt.body))
			assert.True(t, isDoc)
			assert.Nil(t, err)
			assert.Equal(t, tt.want, got)
			std, ok := stdFields([]byte(tt.body))
			require.True(t, ok, "encoding/xml reads it too")
			assert.Equal(t, std, got, "the same fields as encoding/xml")
		})
	}
}

func TestParseErrorDocDescribesWhereItBreaks(t *testing.T) {
	tests := []struct {
		name, body string
		kept       []field
		offset     int
		says       string
	}{
		{"cut in a child", "<Error><Code>A</Code><Message>half", []field{{"Code", "A"}}, 34, "it ends before </Error>"},
		{"cut in a tag", "<Error><Code>A</Code><Mess", []field{{"Code", "A"}}, 26, "it ends before </Error>"},
		{"cut in an end tag", "<Error><Code>A</Cod", nil, 19, "it ends before </Error>"},
		{"cut after '<'", "<Error><Code>A</Code><", []field{{"Code", "A"}}, 22, "it ends before </Error>"},
		{"cut in a reference", "<Error><Code>A&am", nil, 17, "it ends before </Error>"},
		{"cut in CDATA", "<Error><Code><![CDATA[x", nil, 23, "it ends before </Error>"},
		{"cut in a comment", "<Error><!-- x", nil, 13, "it ends before </Error>"},
		{"not UTF-8", "<Error><Code>A</Code><Message>\xff</Message></Error>", []field{{"Code", "A"}}, 30, "XML syntax error: invalid UTF-8"},
		{"forbidden character", "<Error><Message>a\x00</Message></Error>", nil, 17, "XML syntax error: illegal character code U+0000"},
		{"forbidden reference", "<Error><Message>&#0;</Message></Error>", nil, 16, "XML syntax error: invalid or undefined character entity"},
		{"reference without digits", "<Error><Message>&#X;</Message></Error>", nil, 16, "invalid or undefined character entity"},
		{"undefined entity", "<Error><Message>&secret;</Message></Error>", nil, 16, "invalid or undefined character entity"},
		{"no semicolon", "<Error><Message>a & b</Message></Error>", nil, 18, "(no semicolon)"},
		{"nested element", "<Error><Code><a>x</a></Code></Error>", nil, 13, "nested too deep"},
		{"attribute", `<Error><Code x="1">A</Code></Error>`, nil, 13, "has attributes"},
		{"attribute on the root", `<Error xmlns="urn:x"><Code>A</Code></Error>`, nil, 7, "has attributes"},
		{"wrong end tag", "<Error><Code>A</Message></Error>", nil, 14, "element <Code> closed by </Message>"},
		{"declaration inside", "<Error><!DOCTYPE x><Code>A</Code></Error>", nil, 7, "a declaration"},
		{"]]> outside CDATA", "<Error><Code>a]]>b</Code></Error>", nil, 14, "unescaped ]]>"},
		{"surrogate reference", "<Error><Message>&#xD800;</Message></Error>", nil, 16, "invalid or undefined character entity"},
		{"stray '<'", "<Error>< Code>A</Code></Error>", nil, 7, "begins no element name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, isDoc, err := docFields([]byte(tt.body))
			assert.True(t, isDoc)
			require.NotNil(t, err)
			assert.Equal(t, tt.kept, got, "the children before the break")
			assert.Equal(t, tt.offset, err.Offset)
			assert.Contains(t, err.Reason, tt.says)
			if _, ok := stdFields([]byte(tt.body)); ok {
				assert.True(t, stdLax([]byte(tt.body), err), "encoding/xml reads it only where it is laxer than XML 1.0")
			} else {
				assert.False(t, ok, "encoding/xml does not read it as OSS's error document either")
			}
		})
	}
}

func TestParseErrorDocKnowsWhatIsNoErrorDocument(t *testing.T) {
	for _, body := range []string{"", "Bad Gateway", "<html><body>502</body></html>", "<!DOCTYPE html><Error></Error>",
		"<?xml version=\"1.0\"?><ListBucketResult/>", "<Err", "<?xml unterminated", "<!-- never closed", "text <Error></Error>"} {
		got, isDoc, err := docFields([]byte(body))
		assert.False(t, isDoc, "%q", body)
		assert.Nil(t, err, "%q", body)
		assert.Empty(t, got, "%q", body)
	}
}

// TestParseErrorDocMatchesEncodingXML builds error documents from the XML
// ParseErrorDoc reads, at random, and checks that encoding/xml reads each
// to the same children and text.
func TestParseErrorDocMatchesEncodingXML(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	pieces := []string{"a", "Z9 ", "签", "☃", "\U0001F600", "\t", "\n", "\r\n", "\r", " ", ">", "]x", "'\"", "=/?",
		"&lt;", "&gt;", "&amp;", "&apos;", "&quot;", "&#65;", "&#x263a;", "&#x10FFFF;", "&#9;", "&#13;", "&#010;",
		"<![CDATA[]]>", "<![CDATA[<&>\r\n]]]>", "<!---->", "<!-- <x> & -->", "<?pi?>", "<?p a=\"<\"?>"}
	names := []string{"Code", "Message", "RequestId", "HostId", "EC", "RecommendDoc", "StringToSign", "x-y.z_1", "A"}
	space := []string{"", " ", "\n  ", "\r\n\t"}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	for i := range 3000 {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + pick(space))
		}
		if rng.IntN(4) == 0 {
			b.WriteString("<!-- proxy -->" + pick(space))
		}
		b.WriteString("<Error" + pick(space) + ">")
		for range rng.IntN(6) {
			b.WriteString(pick(space))
			name := pick(names)
			if rng.IntN(8) == 0 {
				b.WriteString("<" + name + pick(space) + "/>")
				continue
			}
			b.WriteString("<" + name + pick(space) + ">")
			for range rng.IntN(8) {
				b.WriteString(pick(pieces))
			}
			b.WriteString("</" + name + pick(space) + ">")
		}
		b.WriteString(pick(space) + "</Error>" + pick(space))
		body := []byte(b.String())

		std, ok := stdFields(body)
		require.True(t, ok, "document %d is well-formed: %q", i, body)
		got, isDoc, err := docFields(body)
		require.True(t, isDoc, "%q", body)
		require.Nil(t, err, "%q", body)
		require.Equal(t, std, got, "%q", body)
	}
}

// FuzzErrorDocMatchesEncodingXML: whatever encoding/xml reads as OSS's
// error document, ParseErrorDoc reads to the same children and text; and
// on any input it neither panics nor reports an offset outside the body.
func FuzzErrorDocMatchesEncodingXML(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "errors", "*.xml"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("<Error><Message>&lt;&#x41;<![CDATA[<&>]]><!--c--></Message><Code/></Error>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, isDoc, err := docFields(data)
		if err != nil && (err.Offset < 0 || err.Offset > len(data) || !isDoc) {
			t.Fatalf("error %v for a body of %d bytes (document: %v)", err, len(data), isDoc)
		}
		std, ok := stdFields(data)
		if !ok {
			return
		}
		if !isDoc || err != nil && !stdLax(data, err) {
			t.Fatalf("encoding/xml reads %q, ParseErrorDoc: document %v, %v", data, isDoc, err)
		}
		if err == nil && fmt.Sprint(std) != fmt.Sprint(got) {
			t.Fatalf("%q: encoding/xml %q, ParseErrorDoc %q", data, std, got)
		}
	})
}

func TestAppendXMLTextIsEscapeText(t *testing.T) {
	for _, s := range []string{"", "plain", `<a b="c">'&'</a>`, "tab\tline\nreturn\r\n", "\x00\x01\x7f\u0085",
		"\xff\xfe", "\uFFFD\uFFFE\uFFFF", "签名 \U0001F600", "]]>", "\xed\xa0\x80"} {
		var want bytes.Buffer
		require.NoError(t, xml.EscapeText(&want, []byte(s)))
		assert.Equal(t, want.String(), string(AppendXMLText(nil, s)), "%q", s)
	}
}

// FuzzAppendXMLText: AppendXMLText writes what encoding/xml's EscapeText
// writes, and ParseErrorDoc reads it back.
func FuzzAppendXMLText(f *testing.F) {
	f.Add("a<b>&\"'\t\r\n\x00\xff签")
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		_ = xml.EscapeText(&want, []byte(s))
		got := AppendXMLText(nil, s)
		if want.String() != string(got) {
			t.Fatalf("%q: EscapeText %q, AppendXMLText %q", s, want.String(), got)
		}
		doc := append(append([]byte("<Error><Message>"), got...), "</Message></Error>"...)
		fields, _, err := docFields(doc)
		if err != nil || len(fields) != 1 || (utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !isXMLChar(r) }) && fields[0].text != s) {
			t.Fatalf("%q read back as %q, %v", s, fields, err)
		}
	})
}
