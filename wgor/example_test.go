package wgor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// redPNG is the handler of OSS's documentation, in Go: whatever object is
// asked for, the caller gets a 200×200 red PNG. The image is encoded into
// a pipe while Write streams it, so it is never held whole in memory.
func redPNG(ctx context.Context, c *wgor.Client, event []byte) error {
	ev, err := fcrt.ParseEvent(event)
	if err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 255, A: 255}}, image.Point{}, draw.Src)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(png.Encode(pw, img)) }()

	_, err = c.Write(ctx, &wgor.Response{
		Route:       ev.GetObjectContext.OutputRoute,
		Token:       ev.GetObjectContext.OutputToken,
		Status:      http.StatusOK,
		ContentType: "image/png",
		Body:        pr, // closed by Write, which stops the encoder if Write fails
	})
	return err
}

// The red-PNG handler of OSS's documentation, answering an event from a
// local stand-in for the access point that checks the signature as OSS
// does. In Function Compute, c would sign with the invocation's
// credentials and the event would come from OSS.
func Example_redPNG() {
	id := creds.Credentials{AccessKeyID: "LTAI-EXAMPLE", AccessKeySecret: "example-secret", SecurityToken: "example-sts-token"}
	accessPoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := sign.Verify(r, &sign.VerifyOptions{Region: "cn-qingdao", Lookup: func(string) (sign.Credentials, bool) {
			return sign.Credentials{AccessKeyID: id.AccessKeyID, AccessKeySecret: id.AccessKeySecret, SecurityToken: id.SecurityToken}, true
		}})
		fmt.Println("signature verified:", err == nil)
		fmt.Println("token:", r.Header.Get("X-Oss-Request-Token"))
		fmt.Println("status:", r.Header.Get("X-Oss-Fwd-Status"))
		fmt.Println("content type:", r.Header.Get("X-Oss-Fwd-Header-Content-Type"))
		img, err := png.Decode(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Println("image:", img.Bounds().Dx(), "x", img.Bounds().Dy(), "pixel (0,0):", img.At(0, 0))
	}))
	defer accessPoint.Close()

	event := `{"getObjectContext":{"outputRoute":"` + accessPoint.URL + `","outputToken":"OSSV1#example-token"}}`
	c := &wgor.Client{Credentials: creds.Static(id), Region: "cn-qingdao"}
	if err := redPNG(context.Background(), c, []byte(event)); err != nil {
		log.Fatal(err)
	}
	// Output:
	// signature verified: true
	// token: OSSV1#example-token
	// status: 200
	// content type: image/png
	// image: 200 x 200 pixel (0,0): {255 0 0 255}
}

// A custom runtime's handler of POST /invoke answering with wgor.Write: the
// credentials are the invocation's x-fc-* headers and the region comes from
// the route. It checks its event first: an event that is not from an Object
// FC Access Point is refused before anything is sent, as here. (Package
// fcrt does all of this for you.)
func ExampleWrite() {
	handler := func(ctx context.Context, header http.Header, event []byte) error {
		ev, err := fcrt.ParseEvent(event)
		if err != nil {
			return err
		}
		p, err := creds.FromFCHeaders(header)
		if err != nil {
			return err
		}
		res, err := wgor.Write(ctx, p, &wgor.Response{
			Route:       ev.GetObjectContext.OutputRoute,
			Token:       ev.GetObjectContext.OutputToken,
			Status:      http.StatusOK,
			ContentType: "text/plain",
			Body:        strings.NewReader("hello from Function Compute\n"), // length detected
		})
		if err != nil {
			return err
		}
		log.Printf("answered, OSS request ID %s", res.RequestID)
		return nil
	}
	err := handler(context.Background(), http.Header{}, []byte(`{"getObjectContext":{"outputRoute":"fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com"}}`))
	fmt.Println(err)
	fmt.Println("an invalid event:", errors.Is(err, fcrt.ErrInvalidEvent))
	// Output:
	// fcrt: invalid event: getObjectContext.outputToken is missing or empty
	// an invalid event: true
}

// A body of unknown length, here a pipe fed by a goroutine, is spooled and
// sent with its Content-Length; Progress follows both steps.
func ExampleClient_spool() {
	accessPoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println("Content-Length:", r.ContentLength, "body:", len(body), "bytes")
	}))
	defer accessPoint.Close()

	var last wgor.Progress
	c := &wgor.Client{
		Credentials: creds.Static(creds.Credentials{AccessKeyID: "LTAI-EXAMPLE", AccessKeySecret: "example-secret"}),
		Region:      "cn-qingdao",
		SpoolMemory: 64 << 10, // the rest goes to a file in SpoolDir
		Progress:    func(p wgor.Progress) { last = p },
	}
	pr, pw := io.Pipe()
	go func() {
		for range 100 {
			pw.Write(make([]byte, 10_000))
		}
		pw.Close()
	}()
	res, err := c.Write(context.Background(), &wgor.Response{Route: accessPoint.URL, Token: "OSSV1#example-token", Status: http.StatusOK, Body: pr})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent:", res.BytesSent)
	fmt.Printf("last progress: %+v\n", last)
	// Output:
	// Content-Length: 1000000 body: 1000000 bytes
	// sent: 1000000
	// last progress: {Spooled:1000000 Sent:1000000 Total:1000000}
}

// A Client for everything configurable; one Client is shared by all
// invocations of a function instance.
func ExampleClient() {
	accessPoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s: %q\n", r.Method, r.URL.RequestURI(), body)
		w.Header().Set("X-Oss-Request-Id", "5C1B138A109F4E405B2D0001")
	}))
	defer accessPoint.Close()

	c := &wgor.Client{
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		Credentials: creds.Static(creds.Credentials{
			AccessKeyID: "LTAI-EXAMPLE", AccessKeySecret: "example-secret", SecurityToken: "example-sts-token"}),
		Region:     "cn-qingdao", // the local route names no region
		UserAgent:  "thumbnailer/1.2",
		MaxRetries: 1,
	}
	res, err := c.Write(context.Background(), &wgor.Response{
		Route:  accessPoint.URL,
		Token:  "OSSV1#example-token",
		Status: http.StatusNotFound,
		Body:   strings.NewReader("no such thumbnail"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("request ID:", res.RequestID, "bytes:", res.BytesSent)
	// Output:
	// POST /?x-oss-write-get-object-response: "no such thumbnail"
	// request ID: 5C1B138A109F4E405B2D0001 bytes: 17
}

func ExampleRegionFromRoute() {
	for _, route := range []string{
		"fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com",
		"oss-ap-southeast-1.aliyuncs.com",
		"http://127.0.0.1:8080",
	} {
		region, err := wgor.RegionFromRoute(route)
		fmt.Printf("%q %v\n", region, err != nil)
	}
	// Output:
	// "cn-qingdao" false
	// "ap-southeast-1" false
	// "" true
}

func ExampleServiceError() {
	accessPoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Oss-Request-Id", "5C1B138A109F4E405B2D0002")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>The token has been used.</Message><EC>0003-00000001</EC></Error>`)
	}))
	defer accessPoint.Close()

	c := &wgor.Client{
		Credentials: creds.Static(creds.Credentials{AccessKeyID: "LTAI-EXAMPLE", AccessKeySecret: "example-secret"}),
		Region:      "cn-qingdao",
	}
	_, err := c.Write(context.Background(), &wgor.Response{Route: accessPoint.URL, Token: "OSSV1#used", Status: 200})
	var se *wgor.ServiceError
	if errors.As(err, &se) {
		fmt.Println(se.StatusCode, se.Code, se.EC, se.RequestID)
	}
	fmt.Println(err)
	// Output:
	// 403 AccessDenied 0003-00000001 5C1B138A109F4E405B2D0002
	// wgor: OSS refused WriteGetObjectResponse: HTTP 403 AccessDenied: The token has been used. (EC 0003-00000001, request ID 5C1B138A109F4E405B2D0002): the outputToken was refused: it answers one GetObject, once, while that GetObject waits; send it once, from the invocation that received it
}

// A process's spooled bodies share one budget of memory and disk. Here the
// budget holds 1 MB of disk and no memory: of three bodies of 600 KB spooled
// at once, each waits for the one before it to be sent, and all three are.
// A body longer than the whole budget is refused at once, before anything
// is sent.
func ExampleSpoolBudget() {
	accessPoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer accessPoint.Close()
	c := &wgor.Client{
		Credentials: creds.Static(creds.Credentials{AccessKeyID: "LTAI-EXAMPLE", AccessKeySecret: "example-secret"}),
		Region:      "cn-qingdao",
		SpoolBudget: wgor.NewSpoolBudget(0, 1_000_000),
	}
	write := func(size int) error {
		body := io.MultiReader(bytes.NewReader(make([]byte, size))) // no length to detect: spooled
		_, err := c.Write(context.Background(), &wgor.Response{Route: accessPoint.URL, Token: "OSSV1#example-token", Status: http.StatusOK, Body: body})
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = write(600_000) })
	}
	wg.Wait()
	fmt.Println("three bodies:", errs)
	err := write(2_000_000)
	fmt.Println("too long:", errors.Is(err, wgor.ErrSpoolTooLarge), errors.Is(err, wgor.ErrNotSent))
	// Output:
	// three bodies: [<nil> <nil> <nil>]
	// too long: true true
}
