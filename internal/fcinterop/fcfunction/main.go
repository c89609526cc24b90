// Command fcfunction is an Object FC Access Point function for Function
// Compute's Go runtime, written as OSS's guide ("Use Function Compute to
// process GetObject requests") and the seed's Go example write one: fc.Start
// with a handler that receives the event as a struct and signs with the
// credentials of the invocation's context (fccontext). Only the client is
// wgor's instead of the OSS SDK's.
//
// It passes the original object through: it reads getObjectContext's
// inputOssUrl and streams the answer, status and headers included, to
// WriteGetObjectResponse. An object key ending in "fail-before-write" or
// "panic-before-write" makes the handler return an error or panic before it
// sends anything, for the tests of a function's failure.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aliyun/fc-runtime-go-sdk/fc"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/wgor"
)

// GetObjectContext is the part of the event the function needs.
type GetObjectContext struct {
	OutputRoute string `json:"outputRoute"`
	OutputToken string `json:"outputToken"`
	InputOssUrl string `json:"inputOssUrl"`
}

// StructEvent is the event OSS invokes the function with.
type StructEvent struct {
	GetObjectContext GetObjectContext `json:"getObjectContext"`
}

// HandleRequest answers one GetObject.
func HandleRequest(ctx context.Context, event StructEvent) (string, error) {
	fctx, ok := fccontext.FromContext(ctx)
	if !ok {
		return "", errors.New("fcfunction: no Function Compute context: run it with fc.Start")
	}
	goc := event.GetObjectContext
	switch key := strings.SplitN(goc.InputOssUrl, "?", 2)[0]; {
	case strings.HasSuffix(key, "fail-before-write"):
		return "", errors.New("fcfunction: asked to fail before writing")
	case strings.HasSuffix(key, "panic-before-write"):
		panic("fcfunction: asked to panic before writing")
	}
	// The region to sign for: the route's, or the invocation's when the
	// route names none (a local emulator).
	region, err := wgor.RegionFromRoute(goc.OutputRoute)
	if err != nil {
		region = fctx.Region
	}
	client := &wgor.Client{
		Credentials: creds.Static(creds.Credentials{
			AccessKeyID:     fctx.Credentials.AccessKeyId,
			AccessKeySecret: fctx.Credentials.AccessKeySecret,
			SecurityToken:   fctx.Credentials.SecurityToken,
		}),
		Region: region,
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, goc.InputOssUrl, nil)
	if err != nil {
		return "", fmt.Errorf("fcfunction: the event's inputOssUrl: %w", err)
	}
	orig, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("fcfunction: read the original object: %w", err)
	}
	defer orig.Body.Close()
	r := &wgor.Response{
		Route:       goc.OutputRoute,
		Token:       goc.OutputToken,
		Status:      orig.StatusCode,
		ContentType: orig.Header.Get("Content-Type"),
		ETag:        orig.Header.Get("ETag"),
	}
	// OSS requires Content-Length: pass the original's on. A zero length
	// is an empty body (nil), not one of unknown length.
	if orig.ContentLength != 0 {
		r.Body, r.ContentLength = orig.Body, max(orig.ContentLength, 0)
	}
	res, err := client.Write(ctx, r)
	if err != nil {
		return "", err
	}
	fctx.GetLogger().Infof("sent %d bytes with status %d", res.BytesSent, orig.StatusCode)
	return fmt.Sprintf("sent %d bytes", res.BytesSent), nil
}

func main() {
	fc.Start(HandleRequest)
}
