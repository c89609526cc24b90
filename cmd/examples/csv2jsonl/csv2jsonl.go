// Package csv2jsonl is a function for an OSS Object FC Access Point that
// answers a CSV object (RFC 4180, read by encoding/csv), whose first row
// names the fields, as JSON Lines (jsonlines.org): one JSON object per
// row, its members named by the header and in its order, every value a
// string. It streams: a row is read, converted and written before the
// next is read.
//
// # A malformed row
//
// A row that is not CSV, has more or fewer fields than the header, is not
// UTF-8 or is longer than Handler.MaxRow is answered with 400
// MalformedCSV, naming its line — when nothing was sent yet. The answer's
// length is unknown until the last row, so the runtime spools it (see
// fcrt.Options: 4 MiB in memory, the rest in a file) and sends it only
// once the handler returned: a malformed row anywhere in the object is
// then answered with the 400, the spool discarded. The price is the
// spool's disk (as large as the answer) and a caller who waits for the
// whole conversion before the first byte. A runtime set to stream
// instead (fcrt.Options.Chunked, which OSS does not document) sends as it
// goes: a malformed row found after the first bytes left then cuts the
// transfer short, and the caller sees a broken download, never a
// truncated file taken for whole.
package csv2jsonl

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// DefaultMaxRow bounds a row when Handler.MaxRow is zero: encoding/csv
// holds a whole row in memory, so an object that never ends its row
// must be stopped.
const DefaultMaxRow = 1 << 20

// Handler answers a GetObject with the original CSV object as JSON
// Lines. The zero Handler is ready to use.
type Handler struct {
	// MaxRow bounds the bytes of one row; zero means DefaultMaxRow.
	MaxRow int
}

// ContentType is the answer's type. JSON Lines names application/jsonl,
// not yet registered with IANA (jsonlines.org, "File format").
const ContentType = "application/jsonl"

// ServeGetObject answers with the original, converted.
func (h Handler) ServeGetObject(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
	orig, err := fcrt.OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err // 404 NoSuchKey and the like, passed through
	}
	defer orig.Body.Close()
	if ce := orig.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return fcrt.Error(http.StatusBadRequest, "MalformedCSV",
			"The object is stored with Content-Encoding "+strconv.Quote(ce)+": csv2jsonl reads uncompressed CSV only; decompress it first.")
	}
	orig.CopyObjectHeaders(w.Header())
	// Content-Disposition's file name names the original's format: not kept.
	w.Header().Del("Content-Disposition")
	w.Header().Set("Content-Type", ContentType)
	// No Content-Length: the answer's length is known only at the end,
	// so the runtime spools it (see the package documentation).
	err = Convert(w, orig.Body, h.MaxRow)
	var re *RowError
	if errors.As(err, &re) {
		return fcrt.Error(http.StatusBadRequest, "MalformedCSV", re.Error())
	}
	return err
}

// RowError is a malformed row.
type RowError struct {
	Row  int // the row, counting from 1, the header included
	Line int // the line the row starts on, counting from 1; 0 when unknown
	Err  error
}

// Error describes the row's fault, for the caller to read.
func (e *RowError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("The CSV object is malformed at row %d: %v.", e.Row, e.Err)
	}
	return fmt.Sprintf("The CSV object is malformed at row %d (line %d): %v.", e.Row, e.Line, e.Err)
}

// Unwrap returns what encoding/csv (or the check that failed) said.
func (e *RowError) Unwrap() error { return e.Err }

var errRowTooLong = errors.New("row too long")

// Convert writes the CSV of src, whose first row is the header, to dst as
// JSON Lines. A malformed row is a *RowError; maxRow (zero:
// DefaultMaxRow) bounds a row's bytes.
func Convert(dst io.Writer, src io.Reader, maxRow int) error {
	if maxRow <= 0 {
		maxRow = DefaultMaxRow
	}
	lim := &rowLimit{r: src, max: int64(maxRow)}
	// A reader of 64 KiB, which encoding/csv takes as its own: its
	// default 4 KiB would read the original 4 KiB at a time.
	cr := csv.NewReader(bufio.NewReaderSize(lim, 64<<10))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil // an empty object: no rows
	}
	if err != nil {
		return rowError(1, err)
	}
	keys, err := keysOf(header)
	if err != nil {
		return &RowError{Row: 1, Line: 1, Err: err}
	}
	out := bufio.NewWriterSize(dst, 64<<10)
	line := make([]byte, 0, 4<<10)
	for row := 2; ; row++ {
		lim.mark = cr.InputOffset()
		rec, err := cr.Read()
		if err == io.EOF {
			return out.Flush()
		}
		if err != nil {
			return rowError(row, err)
		}
		if line, err = appendObject(line[:0], keys, rec); err != nil {
			l, _ := cr.FieldPos(0)
			return &RowError{Row: row, Line: l, Err: err}
		}
		if _, err := out.Write(line); err != nil {
			return err
		}
	}
}

// rowError makes a *RowError of what encoding/csv said of the row, and
// lets the source's own failure through.
func rowError(row int, err error) error {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		return &RowError{Row: row, Line: pe.StartLine, Err: pe.Err}
	case errors.Is(err, errRowTooLong):
		return &RowError{Row: row, Err: err}
	}
	return err
}

// keysOf encodes the header's names as JSON member names, followed by
// ':'. A UTF-8 byte order mark before the first is dropped. Two equal
// names would make objects whose members JSON readers disagree on (RFC
// 8259 §4: names "SHOULD be unique"), so they are refused.
func keysOf(header []string) ([][]byte, error) {
	seen := make(map[string]bool, len(header))
	keys := make([][]byte, len(header))
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		if seen[name] {
			return nil, fmt.Errorf("the header names %q twice", name)
		}
		seen[name] = true
		k, err := json.Marshal(name)
		if err != nil || !utf8.ValidString(name) {
			return nil, fmt.Errorf("the header's name %q is not UTF-8", name)
		}
		keys[i] = append(k, ':')
	}
	return keys, nil
}

// appendObject appends the row as a JSON object and a newline.
func appendObject(b []byte, keys [][]byte, rec []string) ([]byte, error) {
	b = append(b, '{')
	for i, v := range rec {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, keys[i]...)
		var err error
		if b, err = appendString(b, v); err != nil {
			return b, fmt.Errorf("field %d is not UTF-8", i+1)
		}
	}
	return append(b, '}', '\n'), nil
}

// appendString appends s, which must be UTF-8, as a JSON string: UTF-8
// goes in as it is, and only the quotation mark, the reverse solidus and
// the control characters are escaped (RFC 8259 §7). encoding/json would
// do the same (and escape <, >, & and U+2028/9 besides), at the price of
// an allocation per value.
func appendString(b []byte, s string) ([]byte, error) {
	b = append(b, '"')
	start, ascii := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			ascii = ascii && c < utf8.RuneSelf
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	if !ascii && !utf8.ValidString(s) {
		return b, errors.New("not UTF-8")
	}
	b = append(b, s[start:]...)
	return append(b, '"'), nil
}

const hex = "0123456789abcdef"

// rowLimit fails a read once the bytes read since mark, the end of the
// last row, pass max: encoding/csv holds a whole row, however long, in
// memory. The reader above it reads ahead 64 KiB, so the bound holds to
// within that.
type rowLimit struct {
	r    io.Reader
	max  int64
	n    int64 // bytes read
	mark int64
}

func (l *rowLimit) Read(p []byte) (int, error) {
	if l.n-l.mark > l.max {
		return 0, fmt.Errorf("%w: a row is longer than %d bytes", errRowTooLong, l.max)
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}
