// Package redact is a function for an OSS Object FC Access Point that
// masks personal data in text objects (plain text, CSV, JSON Lines) as
// they stream through it:
//
//   - e-mail addresses (RFC 5322 §3.4.1 addr-spec, a dot-atom local part
//     and a host name; see isLocal and validDomain);
//   - phone numbers: mainland China mobile numbers (11 digits, 13x to
//     19x, MIIT's numbering plan) and international numbers in E.164's
//     written form, a '+' and 7 to 15 digits (ITU-T E.164 §6.1, grouped
//     with spaces as in ITU-T E.123);
//   - payment card numbers of 13 to 19 digits, with or without spaces or
//     hyphens between groups, that pass the Luhn check (ISO/IEC 7812-1);
//   - mainland China resident identity numbers, 17 digits and a check
//     character, when the check character is right (GB 11643-1999,
//     ISO 7064 MOD 11-2).
//
// Each character of a match becomes '*' (an address keeps its '@', a
// number its separators), so the answer has the original's length and is
// sent with its Content-Length as it streams. Nothing is held whole: the
// Reader keeps a window of 64 KiB and the longest possible match, so a
// match split between two reads is still found.
//
// An object that is not text (a compressed or binary one, which the
// rules could not see into) is refused with 400 UnsupportedContent, as a
// redaction that silently passes data through would be worse than none.
package redact

import (
	"bufio"
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// Handler answers a GetObject with the original object, masked.
var Handler fcrt.Handler = fcrt.HandlerFunc(serve)

// sniffLen is how much of the body http.DetectContentType looks at.
const sniffLen = 512

func serve(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
	orig, err := fcrt.OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err // 404 NoSuchKey and the like, passed through
	}
	defer orig.Body.Close()
	if err := checkHeader(orig.Header); err != nil {
		return err
	}
	body := bufio.NewReaderSize(orig.Body, chunkSize)
	head, err := body.Peek(sniffLen)
	if err != nil && err != io.EOF {
		return err
	}
	if t := http.DetectContentType(head); !strings.HasPrefix(t, "text/") || !strings.Contains(t, "utf-8") {
		return fcrt.Error(http.StatusBadRequest, "UnsupportedContent",
			"The object does not start as UTF-8 text (it looks like "+t+"): redact reads plain text, CSV and JSON Lines only.")
	}
	orig.CopyObjectHeaders(w.Header()) // those that still describe the bytes; not ETag
	if orig.ContentLength >= 0 {
		// Masks keep the length: the answer streams with it.
		w.Header().Set("Content-Length", strconv.FormatInt(orig.ContentLength, 10))
	}
	_, err = io.Copy(w, NewReader(body))
	return err
}

// checkHeader refuses an object whose headers say it is not plain text:
// a Content-Encoding (gzip, say) or a media type that is neither text
// nor JSON. An object without a type, or application/octet-stream (what
// OSS stores when the uploader named none), is judged by its first
// bytes.
func checkHeader(h http.Header) error {
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return fcrt.Error(http.StatusBadRequest, "UnsupportedContent",
			"The object is stored with Content-Encoding "+strconv.Quote(ce)+": redact reads uncompressed text only; decompress it first.")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return nil
	}
	t, params, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		return fcrt.Error(http.StatusBadRequest, "UnsupportedContent", "The object's Content-Type "+strconv.Quote(ct)+" cannot be parsed.")
	case params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8") && !strings.EqualFold(params["charset"], "us-ascii"):
		return fcrt.Error(http.StatusBadRequest, "UnsupportedContent", "The object's charset is "+strconv.Quote(params["charset"])+": redact reads UTF-8 only.")
	case t == "application/octet-stream", strings.HasPrefix(t, "text/"), textual[t], strings.HasSuffix(t, "+json"):
		return nil
	}
	return fcrt.Error(http.StatusBadRequest, "UnsupportedContent",
		"The object's Content-Type is "+strconv.Quote(t)+": redact reads plain text, CSV and JSON Lines only.")
}

// textual are the media types besides text/* and */*+json that hold
// text: JSON (RFC 8259), JSON Lines (jsonlines.org), NDJSON and CSV.
var textual = map[string]bool{
	"application/json": true, "application/jsonl": true, "application/x-ndjson": true,
	"application/csv": true, "application/xml": true,
}
