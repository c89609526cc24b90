package wgortest_test

import (
	"context"
	"fmt"
	"io"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// A handler under test, and what it relayed through the access point.
func ExampleNewServer() {
	greet := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "6")
		_, err := io.WriteString(w, "hello\n")
		return err
	})
	ap, err := wgortest.NewServer(greet, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()

	resp, err := ap.GetObject(context.Background(), "any.txt", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("caller: %d %s %q\n", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
	for _, r := range ap.Relays() {
		fmt.Printf("relayed: status %d, Content-Length %d, %q; the access point answered %d\n",
			r.Status, r.ContentLength, r.Body, r.Answer)
	}
	// Output:
	// caller: 200 text/plain "hello\n"
	// relayed: status 200, Content-Length 6, "hello\n"; the access point answered 200
}
