package fcrt_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// redSquare answers every GetObject with a 200×200 red PNG.
func redSquare(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for i := range img.Pix {
		if i%4 == 0 || i%4 == 3 {
			img.Pix[i] = 255 // red, opaque
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, err := w.Write(b.Bytes())
	return err
}

// The seed's function: a red PNG, whatever the key.
func Example_redPNG() {
	ap, err := wgortest.NewServer(fcrt.HandlerFunc(redSquare), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	resp, err := ap.GetObject(context.Background(), "example.png", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	img, err := png.Decode(bytes.NewReader(resp.Body))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), img.Bounds().Dx(), img.Bounds().Dy())
	fmt.Println(color.RGBAModel.Convert(img.At(100, 100)))
	// Output:
	// 200 image/png 200 200
	// {255 0 0 255}
}

// A pass-through: the original object, its status and headers, unchanged.
func ExampleForward() {
	passThrough := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		return fcrt.Forward(ctx, w, inv)
	})
	ap, err := wgortest.NewServer(passThrough, &wgortest.Config{
		ObjectMap: map[string][]byte{"notes.txt": []byte("plain text, as stored\n")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	resp, err := ap.GetObject(context.Background(), "notes.txt", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Length"), resp.Header.Get("Last-Modified"))
	fmt.Print(string(resp.Body))
	// Output:
	// 200 22 Mon, 01 Dec 2025 00:00:00 GMT
	// plain text, as stored
}

// upper upper-cases ASCII letters as they stream by, and keeps every other
// byte: a line of any length, a last line without a newline.
type upper struct{ r io.Reader }

func (u upper) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	for i, c := range p[:n] {
		if 'a' <= c && c <= 'z' {
			p[i] = c - 'a' + 'A'
		}
	}
	return n, err
}

// A streaming transform: the original, upper-cased as it is read; nothing
// is held whole. Headers that describe the original bytes (Content-Length,
// ETag) are not forwarded; the others are.
func ExampleTransform() {
	shout := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		return fcrt.Transform(ctx, w, inv, func(w fcrt.ResponseWriter, original io.Reader) error {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, err := io.Copy(w, upper{original})
			return err
		})
	})
	ap, err := wgortest.NewServer(shout, &wgortest.Config{
		ObjectMap: map[string][]byte{"poem.txt": []byte("hello,\nobject fc\n")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	resp, err := ap.GetObject(context.Background(), "poem.txt", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Last-Modified"))
	fmt.Print(string(resp.Body))

	// A missing original reaches the caller as OSS said it.
	resp, err = ap.GetObject(context.Background(), "missing.txt", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output:
	// 200 text/plain; charset=utf-8 Mon, 01 Dec 2025 00:00:00 GMT
	// HELLO,
	// OBJECT FC
	// 404 application/xml
}

// Re-encoding an image: the original PNG, decoded as it is read, answered
// in grey, png.Encode writing straight into the response.
func ExampleTransform_image() {
	grey := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		return fcrt.Transform(ctx, w, inv, func(w fcrt.ResponseWriter, original io.Reader) error {
			img, err := png.Decode(original)
			if err != nil {
				return fcrt.Error(400, "InvalidObject", "The object is not a PNG image.")
			}
			g := image.NewGray(img.Bounds())
			draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
			w.Header().Set("Content-Type", "image/png")
			return png.Encode(w, g)
		})
	})
	var red bytes.Buffer
	if err := redSquare(context.Background(), &bufferWriter{Buffer: &red}, nil); err != nil {
		fmt.Println(err)
		return
	}
	ap, err := wgortest.NewServer(grey, &wgortest.Config{
		ObjectMap: map[string][]byte{"red.png": red.Bytes(), "notes.txt": []byte("not an image")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	resp, err := ap.GetObject(context.Background(), "red.png", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	img, err := png.Decode(bytes.NewReader(resp.Body))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), img.ColorModel() == color.GrayModel, img.At(0, 0))

	resp, err = ap.GetObject(context.Background(), "notes.txt", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode)
	// Output:
	// 200 image/png true {76}
	// 400
}

// bufferWriter is a fcrt.ResponseWriter into memory, to run a handler
// without a runtime.
type bufferWriter struct {
	*bytes.Buffer
	header http.Header
}

func (b *bufferWriter) Header() http.Header {
	if b.header == nil {
		b.header = make(http.Header)
	}
	return b.header
}
func (b *bufferWriter) WriteHeader(int) {}
func (b *bufferWriter) Close() error    { return nil }

// A deliberate 404 with an OSS-style error body.
func ExampleError() {
	private := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		return fcrt.Error(404, "NoSuchKey", "The specified key does not exist.")
	})
	ap, err := wgortest.NewServer(private, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	resp, err := ap.GetObject(context.Background(), "secret.txt", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// The request ID is the GetObject's, as in x-oss-request-id.
	fmt.Print(string(bytes.ReplaceAll(resp.Body, []byte(resp.Header.Get("X-Oss-Request-Id")), []byte("…"))))
	// Output:
	// 404 application/xml
	// <?xml version="1.0" encoding="UTF-8"?>
	// <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>…</RequestId></Error>
}

// A handler that opens the original itself, to decide from its headers:
// text comes back upper-cased, streaming with the original's length, which
// the transformation keeps; anything else is refused.
func ExampleOpenOriginal() {
	shout := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		orig, err := fcrt.OpenOriginal(ctx, inv, nil)
		if err != nil {
			return err // an *OriginalError, such as 404 NoSuchKey, reaches the caller as OSS said it
		}
		defer orig.Body.Close()
		if !strings.HasPrefix(orig.Header.Get("Content-Type"), "text/") {
			return fcrt.Error(400, "UnsupportedContent", "Only text objects are served.")
		}
		orig.CopyObjectHeaders(w.Header()) // those that still describe the answer: not ETag
		if orig.ContentLength >= 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(orig.ContentLength, 10))
		}
		_, err = io.Copy(w, upper{orig.Body})
		return err
	})
	ap, err := wgortest.NewServer(shout, &wgortest.Config{
		ObjectMap: map[string][]byte{"poem.txt": []byte("hello,\nobject fc"), "photo.png": {0x89, 'P', 'N', 'G'}},
		Headers:   map[string]http.Header{"photo.png": {"Content-Type": {"image/png"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	for _, key := range []string{"poem.txt", "photo.png", "missing.txt"} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		if resp.Code != "" {
			fmt.Println(key, resp.StatusCode, resp.Code)
			continue
		}
		fmt.Printf("%s %d %s %q\n", key, resp.StatusCode, resp.Header.Get("Content-Length"), resp.Body)
	}
	// Output:
	// poem.txt 200 16 "HELLO,\nOBJECT FC"
	// photo.png 400 UnsupportedContent
	// missing.txt 404 NoSuchKey
}
