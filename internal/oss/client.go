package oss

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
)

// ErrorDetail is an error document as a client reports it: ErrorDoc and the
// help page OSS recommends, which its error documents carry
// (<RecommendDoc>https://api.aliyun.com/troubleshoot?q=<EC></RecommendDoc>;
// see testdata/errors).
type ErrorDetail struct {
	ErrorDoc
	RecommendDoc string `xml:"RecommendDoc,omitempty"`
}

// DecodeErrorDetail reads an error document from data as far as it is well
// formed. ok is false when data does not start as one (an empty body, HTML
// from a proxy). Otherwise d holds the elements read before the document
// broke off, and broke, when not nil, says where and why it did (a body cut
// short, a byte that is not UTF-8, an unknown entity).
func DecodeErrorDetail(data []byte) (d ErrorDetail, ok bool, broke error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return d, false, nil
		}
		start, isStart := tok.(xml.StartElement)
		if !isStart {
			continue // the XML declaration, a comment, white space
		}
		if start.Name.Local != "Error" {
			return d, false, nil
		}
		err = dec.DecodeElement(&d, &start)
		if err == nil {
			return d, true, nil
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			err = errors.New(se.Msg)
		}
		return d, true, fmt.Errorf("at byte %d of %d: %w", dec.InputOffset(), len(data), err)
	}
}
