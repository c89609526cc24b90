package oss

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// ErrorDoc is OSS's XML error document:
//
//	<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId><HostId>…</HostId><EC>…</EC></Error>
//
// with, for signature errors, the fields the server signed (OSS knowledge
// base "signature errors", 108790; error page 0002-00000201), and the help
// page OSS recommends
// (<RecommendDoc>https://api.aliyun.com/troubleshoot?q=<EC></RecommendDoc>;
// see testdata/errors).
type ErrorDoc struct {
	XMLName          xml.Name `xml:"Error"`
	Code             string   `xml:"Code"`
	Message          string   `xml:"Message"`
	RequestID        string   `xml:"RequestId"`
	HostID           string   `xml:"HostId,omitempty"`
	EC               string   `xml:"EC,omitempty"`
	RecommendDoc     string   `xml:"RecommendDoc,omitempty"`
	OSSAccessKeyID   string   `xml:"OSSAccessKeyId,omitempty"`
	StringToSign     string   `xml:"StringToSign,omitempty"`
	CanonicalRequest string   `xml:"CanonicalRequest,omitempty"`
}

// ParseErrorDoc reads an error document from at most limit bytes of r,
// and returns once the document has ended, whatever follows it. ok is false
// when the text is not a whole one (an empty body, HTML from a proxy, a
// document cut short).
func ParseErrorDoc(r io.Reader, limit int64) (doc ErrorDoc, ok bool) {
	doc, ok, _, broke := decodeErrorDoc(xml.NewDecoder(io.LimitReader(r, limit)))
	return doc, ok && broke == nil
}

// DecodeErrorDoc reads an error document from data as far as it is well
// formed. ok is false when data does not start as one (an empty body, HTML
// from a proxy). Otherwise d holds the elements read before the document
// broke off, and broke, when not nil, says where and why it did (a body cut
// short, a byte that is not UTF-8, an unknown entity).
func DecodeErrorDoc(data []byte) (d ErrorDoc, ok bool, broke error) {
	d, ok, at, broke := decodeErrorDoc(xml.NewDecoder(bytes.NewReader(data)))
	if broke != nil {
		broke = fmt.Errorf("at byte %d of %d: %w", at, len(data), broke)
	}
	return d, ok, broke
}

// decodeErrorDoc reads the document from dec, and stops at its end; broke
// is why it broke off, at byte at.
func decodeErrorDoc(dec *xml.Decoder) (d ErrorDoc, ok bool, at int64, broke error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return d, false, 0, nil
		}
		start, isStart := tok.(xml.StartElement)
		if !isStart {
			continue // the XML declaration, a comment, white space
		}
		if start.Name.Local != "Error" {
			return d, false, 0, nil
		}
		err = dec.DecodeElement(&d, &start)
		if err == nil {
			return d, true, 0, nil
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			err = errors.New(se.Msg)
		}
		return d, true, dec.InputOffset(), err
	}
}

// Marshal returns the document as OSS sends it, with the XML declaration.
func (d ErrorDoc) Marshal() []byte {
	b, _ := xml.Marshal(d) // only strings, which always marshal
	return append([]byte(xml.Header), b...)
}
