// Command redpngsdk is the anchor of the cold-start benchmark (go run
// ./internal/coldstart, from the main module): the red-PNG function of
// cmd/redpng written with the official OSS Go SDK v2
// (github.com/aliyun/alibabacloud-oss-go-sdk-v2), as a Function Compute
// custom runtime. It is written for the benchmark, not for users, and lives
// in this interop module so that wgor's own module never requires the SDK.
//
// It listens on $FC_SERVER_HOST:$FC_SERVER_PORT (port 9000 when unset),
// serves event invocations on POST /invoke and answers each with the SDK's
// WriteGetObjectResponse, signed with the invocation's STS credentials
// (x-fc-access-key-id, x-fc-access-key-secret, x-fc-security-token) for the
// region in x-fc-region, with the event's outputRoute as the endpoint, as
// the seed's examples build their clients: the same status, forwarded
// headers and 200×200 red PNG as cmd/redpng.
//
// Its runtime is the floor's (internal/coldstart/floor), so that the two
// differ in the SDK alone: one log/slog line per invocation, and a graceful
// stop on SIGTERM, which Function Compute sends before it stops an
// instance, registered after the listener is bound.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

func main() {
	port := os.Getenv("FC_SERVER_PORT")
	if port == "" {
		port = "9000"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("FC_SERVER_HOST"), port))
	if err != nil {
		slog.Error("redpngsdk: cannot listen", "error", err)
		os.Exit(1)
	}
	slog.Info("redpngsdk: listening", "addr", ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	http.HandleFunc("POST /invoke", invoke)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		slog.Error("redpngsdk: serving failed", "error", err)
		os.Exit(1)
	}
	if err := <-done; err != nil {
		slog.Error("redpngsdk: invocations in flight did not finish", "error", err)
		os.Exit(1)
	}
}

// redPNG is the image cmd/redpng sends, encoded the same way.
var redPNG = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	red := color.RGBA{R: 255, A: 255}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = red.R, red.G, red.B, red.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // cannot happen for an in-memory RGBA image
	}
	return b.Bytes()
})

func invoke(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	requestID, err := answer(ctx, r)
	if err != nil {
		slog.Error("redpngsdk: invocation failed", "fc_request_id", r.Header.Get("X-Fc-Request-Id"), "error", err)
		w.Header().Set("X-Fc-Status", "404")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	slog.Info("redpngsdk: answered GetObject", "fc_request_id", r.Header.Get("X-Fc-Request-Id"),
		"oss_request_id", requestID, "duration", time.Since(start))
	w.Header().Set("X-Fc-Status", "200")
	w.WriteHeader(http.StatusOK)
}

func answer(ctx context.Context, r *http.Request) (string, error) {
	var ev struct {
		GetObjectContext struct {
			OutputRoute string `json:"outputRoute"`
			OutputToken string `json:"outputToken"`
		} `json:"getObjectContext"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ev); err != nil {
		return "", fmt.Errorf("parse the event: %w", err)
	}
	endpoint := ev.GetObjectContext.OutputRoute
	route := endpoint
	if _, host, ok := strings.Cut(route, "://"); ok {
		route = host // x-oss-request-route is the host; the endpoint keeps its scheme
	}
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			r.Header.Get("X-Fc-Access-Key-Id"), r.Header.Get("X-Fc-Access-Key-Secret"),
			r.Header.Get("X-Fc-Security-Token"))).
		WithRegion(r.Header.Get("X-Fc-Region")).
		WithEndpoint(endpoint)
	res, err := oss.NewClient(cfg).WriteGetObjectResponse(ctx, &oss.WriteGetObjectResponseRequest{
		RequestRoute:          oss.Ptr(route),
		RequestToken:          oss.Ptr(ev.GetObjectContext.OutputToken),
		FwdStatus:             oss.Ptr("200"),
		FwdHeaderContentType:  oss.Ptr("image/png"),
		FwdHeaderCacheControl: oss.Ptr("no-cache"),
		Body:                  bytes.NewReader(redPNG()),
	})
	if err != nil {
		return "", err
	}
	return res.Headers.Get("x-oss-request-id"), nil
}
