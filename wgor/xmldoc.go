package wgor

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// OSS refuses a request with a flat XML document (OSS API
// reference "Error responses"; OSS knowledge base "signature errors",
// 108790):
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<Error>
//	  <Code>SignatureDoesNotMatch</Code>
//	  <Message>…</Message>
//	  <RequestId>…</RequestId>
//	  …
//	</Error>
//
// a root element <Error> whose children hold text only. ParseErrorDoc
// reads that document and nothing more general: the XML 1.0 it needs
// (W3C XML 1.0, fifth edition) is character data with the five predefined
// entities (§4.6) and character references (§4.1), CDATA sections (§2.7),
// comments and processing instructions, which it skips (§2.5, §2.6), and
// white space between elements. Anything else inside <Error> (an
// attribute, an element inside a child, a DOCTYPE, an undefined entity, a
// byte that is not UTF-8 or a character XML forbids) stops it with a
// described reason, keeping the children read before. A body whose first
// element is not <Error> is not an OSS error document.

// DocError says where and why an OSS error document stopped being one.
type DocError struct {
	Offset int    // the byte of the body where reading stopped
	Reason string // such as "XML syntax error: invalid UTF-8"
}

// Error describes the break.
func (e *DocError) Error() string {
	return "at byte " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// endsEarly is the reason for a document cut short.
const endsEarly = "it ends before </Error>"

// ParseErrorDoc reads OSS's XML error document in data, calling set with
// each child element of <Error> and its text, in order. It reports whether
// data is such a document (its first element is <Error>) and, when reading
// stopped before </Error>, why: the children before the break have been
// passed to set, a child cut short has not. Nothing after </Error> is read.
func ParseErrorDoc(data []byte, set func(name, text string)) (bool, *DocError) {
	p := docParser{data: data}
	p.skip("\ufeff") // a UTF-8 byte order mark (XML 1.0 §4.3.3)
	for {
		p.skipSpace()
		if !p.skip("<?") && !p.skip("<!--") {
			break
		}
		end := "?>"
		if p.data[p.pos-1] == '-' {
			end = "-->"
		}
		if !p.skipPast(end) {
			return false, nil
		}
	}
	if !p.skip("<") {
		return false, nil
	}
	if name, ok := p.name(); !ok || name != "Error" {
		return false, nil
	}
	closed, err := p.tagEnd("Error")
	if err != nil || closed {
		return true, err
	}
	var text []byte
	for {
		if text, err = p.text(text[:0], "Error"); err != nil {
			return true, err // text at <Error>'s level is ignored, but must be XML
		}
		at := p.pos
		if p.skip("</") {
			return true, p.endTag("Error", at)
		}
		p.pos++ // '<' of a child
		name, ok := p.name()
		switch {
		case !ok && p.pos == len(p.data):
			return true, &DocError{p.pos, endsEarly}
		case !ok:
			return true, p.syntax("a '<' that begins no element name", at)
		}
		if closed, err = p.tagEnd(name); err != nil {
			return true, err
		}
		text = text[:0]
		if !closed {
			if text, err = p.text(text, name); err != nil {
				return true, err
			}
			at = p.pos
			if !p.skip("</") {
				return true, &DocError{at, "nested too deep: an element or a stray '<' inside <" + name + ">, where OSS's error elements hold text only"}
			}
			if err = p.endTag(name, at); err != nil {
				return true, err
			}
		}
		set(name, string(text))
	}
}

// docParser is a position in an error document.
type docParser struct {
	data []byte
	pos  int
}

// skip moves past s when the input continues with it.
func (p *docParser) skip(s string) bool {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(s)) {
		return false
	}
	p.pos += len(s)
	return true
}

// skipPast moves past the next s, or reports that there is none.
func (p *docParser) skipPast(s string) bool {
	i := bytes.Index(p.data[p.pos:], []byte(s))
	if i < 0 {
		p.pos = len(p.data)
		return false
	}
	p.pos += i + len(s)
	return true
}

func (p *docParser) skipSpace() {
	for p.pos < len(p.data) && isSpace(p.data[p.pos]) {
		p.pos++
	}
}

// isSpace reports whether c is XML white space (XML 1.0 §2.3, S).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// name reads an element name. Names are ASCII letters, digits, '_', '-',
// '.' and ':' and any non-ASCII character, not beginning with a digit,
// '-' or '.' (a simplification of XML 1.0 §2.3's Name that holds every
// name OSS uses).
func (p *docParser) name() (string, bool) {
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':' || c >= 0x80 ||
			p.pos > start && ('0' <= c && c <= '9' || c == '-' || c == '.')) {
			break
		}
		p.pos++
	}
	return string(p.data[start:p.pos]), p.pos > start
}

// tagEnd reads the rest of a start tag after its name: optional white
// space and '>' or "/>". It reports whether the element closed itself.
func (p *docParser) tagEnd(name string) (bool, *DocError) {
	p.skipSpace()
	at := p.pos
	switch {
	case p.skip(">"):
		return false, nil
	case p.skip("/>"):
		return true, nil
	case p.pos == len(p.data) || p.pos == len(p.data)-1 && p.data[p.pos] == '/':
		return false, &DocError{at, endsEarly}
	}
	return false, p.syntax("<"+name+"> has attributes or a stray character, which OSS's error elements never have", at)
}

// endTag reads an end tag after its "</", which began at at: the name it
// must close, optional white space and '>'.
func (p *docParser) endTag(want string, at int) *DocError {
	name, _ := p.name()
	p.skipSpace()
	switch {
	case p.pos == len(p.data) && strings.HasPrefix(want, name):
		return &DocError{p.pos, endsEarly}
	case name != want:
		return p.syntax("element <"+want+"> closed by </"+name+">", at)
	case !p.skip(">"):
		return p.syntax("</"+want+" not closed by '>'", p.pos)
	}
	return nil
}

func (p *docParser) syntax(msg string, at int) *DocError {
	return &DocError{at, "XML syntax error: " + msg}
}

// text appends to buf the character data up to the next tag other than a
// comment, a processing instruction or a CDATA section, which it reads
// through, and leaves the position at that tag's '<'. Line ends become
// "\n" (XML 1.0 §2.11). in names the element being read, for errors.
func (p *docParser) text(buf []byte, in string) ([]byte, *DocError) {
	for {
		if p.pos == len(p.data) {
			return buf, &DocError{p.pos, endsEarly}
		}
		at := p.pos
		c := p.data[p.pos]
		switch {
		case c == '<' && p.skip("<![CDATA["):
			end := bytes.Index(p.data[p.pos:], []byte("]]>"))
			if end < 0 {
				p.pos = len(p.data)
				return buf, &DocError{p.pos, endsEarly}
			}
			var err *DocError
			if buf, err = p.chars(buf, p.pos+end); err != nil {
				return buf, err
			}
			p.pos += 3
		case c == '<' && (p.skip("<!--") || p.skip("<?")):
			end := "?>"
			if p.data[p.pos-1] == '-' {
				end = "-->"
			}
			if !p.skipPast(end) {
				return buf, &DocError{p.pos, endsEarly}
			}
		case c == '<' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '!':
			return buf, p.syntax("a declaration (<!…) inside <"+in+">", at)
		case c == '<':
			return buf, nil
		case c == '&':
			r, err := p.reference()
			if err != nil {
				return buf, err
			}
			buf = utf8.AppendRune(buf, r)
		case c == ']' && p.skip("]]>"):
			return buf, p.syntax("unescaped ]]> not in CDATA section", at)
		default:
			end := p.pos + 1
			for end < len(p.data) && !strings.ContainsRune("<&]", rune(p.data[end])) {
				end++
			}
			var err *DocError
			if buf, err = p.chars(buf, end); err != nil {
				return buf, err
			}
		}
	}
}

// chars appends the characters from the position to end, checking that
// they are UTF-8 and allowed by XML 1.0 §2.2, and turning "\r\n" and "\r"
// into "\n".
func (p *docParser) chars(buf []byte, end int) ([]byte, *DocError) {
	for p.pos < end {
		r, n := utf8.DecodeRune(p.data[p.pos:end])
		switch {
		case r == utf8.RuneError && n == 1:
			return buf, p.syntax("invalid UTF-8", p.pos)
		case !isXMLChar(r):
			return buf, p.syntax("illegal character code "+quoteRune(r), p.pos)
		case r == '\r':
			r = '\n'
			if p.pos+1 < end && p.data[p.pos+1] == '\n' {
				n++
			}
		}
		buf = utf8.AppendRune(buf, r)
		p.pos += n
	}
	return buf, nil
}

// predefined are XML's five predefined entities (XML 1.0 §4.6).
var predefined = [...]struct {
	name string
	r    rune
}{{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"apos", '\''}, {"quot", '"'}}

// maxRef bounds the length of a reference, "&#x10FFFF;" with leading zeros.
const maxRef = 32

// reference reads an entity or character reference at '&'.
func (p *docParser) reference() (rune, *DocError) {
	at := p.pos
	semi := bytes.IndexByte(p.data[p.pos:min(len(p.data), p.pos+maxRef)], ';')
	if semi < 0 {
		if len(p.data)-p.pos < maxRef && bytes.IndexAny(p.data[p.pos+1:], "<& \t\r\n") < 0 {
			p.pos = len(p.data)
			return 0, &DocError{p.pos, endsEarly}
		}
		return 0, p.syntax("invalid character entity (no semicolon)", at)
	}
	ref := string(p.data[p.pos+1 : p.pos+semi])
	p.pos += semi + 1
	for _, e := range predefined {
		if ref == e.name {
			return e.r, nil
		}
	}
	base, digits := 10, ""
	switch {
	case strings.HasPrefix(ref, "#x"):
		base, digits = 16, ref[2:]
	case strings.HasPrefix(ref, "#"):
		digits = ref[1:]
	}
	if digits != "" && digits[0] != '+' && digits[0] != '-' {
		if n, err := strconv.ParseUint(digits, base, 32); err == nil && isXMLChar(rune(n)) {
			return rune(n), nil
		}
	}
	// The entity's name is not quoted: it is the body's text, and may be
	// anything; the offset says where to look.
	return 0, p.syntax("invalid or undefined character entity", at)
}

// AppendXMLText appends s to b as XML character data that any XML 1.0
// parser reads back as s: '&', '<' and '>' as entities (XML 1.0 §2.4),
// and quotation marks, apostrophes, tabs, line feeds and carriage returns
// as character references, which survive a parser's normalisation of line
// ends and white space (§2.11, §3.3.3). A byte that is not UTF-8, or a character XML does not
// allow (§2.2), becomes U+FFFD. The bytes are those of encoding/xml's
// EscapeText.
func AppendXMLText(b []byte, s string) []byte {
	for i, r := range s {
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"':
			b = append(b, "&#34;"...)
		case r == '\'':
			b = append(b, "&#39;"...)
		case r == '\t':
			b = append(b, "&#x9;"...)
		case r == '\n':
			b = append(b, "&#xA;"...)
		case r == '\r':
			b = append(b, "&#xD;"...)
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"), !isXMLChar(r):
			b = append(b, "\uFFFD"...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

// isXMLChar reports whether XML 1.0 §2.2 allows r in a document.
func isXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || 0x20 <= r && r <= 0xd7ff ||
		0xe000 <= r && r <= 0xfffd || 0x10000 <= r && r <= 0x10ffff
}

// quoteRune writes r as U+XXXX.
func quoteRune(r rune) string {
	s := strconv.FormatInt(int64(r), 16)
	for len(s) < 4 {
		s = "0" + s
	}
	return "U+" + strings.ToUpper(s)
}
