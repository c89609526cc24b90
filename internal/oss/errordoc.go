package oss

import (
	"encoding/xml"
	"io"
)

// ErrorDoc is OSS's XML error document:
//
//	<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId><HostId>…</HostId><EC>…</EC></Error>
//
// with, for signature errors, the fields the server signed (OSS knowledge
// base "signature errors", 108790; error page 0002-00000201).
type ErrorDoc struct {
	XMLName          xml.Name `xml:"Error"`
	Code             string   `xml:"Code"`
	Message          string   `xml:"Message"`
	RequestID        string   `xml:"RequestId"`
	HostID           string   `xml:"HostId,omitempty"`
	EC               string   `xml:"EC,omitempty"`
	OSSAccessKeyID   string   `xml:"OSSAccessKeyId,omitempty"`
	StringToSign     string   `xml:"StringToSign,omitempty"`
	CanonicalRequest string   `xml:"CanonicalRequest,omitempty"`
}

// ParseErrorDoc reads an error document from at most limit bytes of r. ok is
// false when the text is not one (an empty body, HTML from a proxy).
func ParseErrorDoc(r io.Reader, limit int64) (doc ErrorDoc, ok bool) {
	err := xml.NewDecoder(io.LimitReader(r, limit)).Decode(&doc)
	return doc, err == nil && doc.XMLName.Local == "Error"
}

// Marshal returns the document as OSS sends it, with the XML declaration.
func (d ErrorDoc) Marshal() []byte {
	b, _ := xml.Marshal(d) // only strings, which always marshal
	return append([]byte(xml.Header), b...)
}
