package thumbnail_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"

	"github.com/wgor-dev/wgor/cmd/examples/thumbnail"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// The function behind a test access point: a 600×300 PNG comes back
// fitted in a box of 128.
func ExampleHandler() {
	var photo bytes.Buffer
	if err := png.Encode(&photo, image.NewGray(image.Rect(0, 0, 600, 300))); err != nil {
		fmt.Println(err)
		return
	}
	ap, err := wgortest.NewServer(thumbnail.Handler{Size: 128}, &wgortest.Config{
		ObjectMap: map[string][]byte{"photo.png": photo.Bytes()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	resp, err := ap.GetObject(context.Background(), "photo.png", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(resp.Body))
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), format, cfg.Width, cfg.Height, err)
	// Output:
	// 200 image/png png 128 64 <nil>
}
