// Command floor is the baseline of the cold-start benchmark (go run
// ./internal/coldstart): the red-PNG function of cmd/redpng written with
// the standard library alone, as the smallest honest Function Compute custom
// runtime. It is written for the benchmark, not for users: it has no
// retries, no error parsing, no limits beyond the event's size, and it
// handles nothing but the happy path well. Use cmd/redpng or wgor/fcrt for a
// real function.
//
// It listens on $FC_SERVER_HOST:$FC_SERVER_PORT (port 9000 when unset),
// serves event invocations on POST /invoke, takes the invocation's STS
// credentials from x-fc-access-key-id, x-fc-access-key-secret and
// x-fc-security-token and the region from x-fc-region (Function Compute,
// "Custom runtime: context and log format"), and sends a 200×200 red PNG
// with one WriteGetObjectResponse to the event's outputRoute, signed by hand
// with OSS Signature V4 (OSS API reference "Signature version 4"): the same
// request, headers and body as cmd/redpng.
//
// What makes it honest, and no more: like any runtime that goes to
// production, it logs one line per invocation with log/slog (the standard
// library's structured logging, which fcrt logs with too) and, on SIGTERM,
// which Function Compute sends before it stops an instance, it stops
// taking invocations and lets those in flight finish. It registers for the
// signal after its listener is bound, the cheaper order: the
// registration's start-up cost (os/signal's goroutine and the runtime's
// signal set-up) then overlaps nothing the platform waits for. Before it
// logged with slog and handled SIGTERM, the floor measured 6.73 MB and 81
// package initialisers; with both, 6.86 MB and 83 (see README, "Cold
// start").
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	port := os.Getenv("FC_SERVER_PORT")
	if port == "" {
		port = "9000"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("FC_SERVER_HOST"), port))
	if err != nil {
		slog.Error("floor: cannot listen", "error", err)
		os.Exit(1)
	}
	slog.Info("floor: listening", "addr", ln.Addr().String())
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
		slog.Error("floor: serving failed", "error", err)
		os.Exit(1)
	}
	if err := <-done; err != nil {
		slog.Error("floor: invocations in flight did not finish", "error", err)
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
		slog.Error("floor: invocation failed", "fc_request_id", r.Header.Get("X-Fc-Request-Id"), "error", err)
		w.Header().Set("X-Fc-Status", "404")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	slog.Info("floor: answered GetObject", "fc_request_id", r.Header.Get("X-Fc-Request-Id"),
		"oss_request_id", requestID, "duration", time.Since(start))
	w.Header().Set("X-Fc-Status", "200")
	w.WriteHeader(http.StatusOK)
}

func answer(ctx context.Context, r *http.Request) (string, error) {
	id, secret := r.Header.Get("X-Fc-Access-Key-Id"), r.Header.Get("X-Fc-Access-Key-Secret")
	token, region := r.Header.Get("X-Fc-Security-Token"), r.Header.Get("X-Fc-Region")
	if id == "" || secret == "" || region == "" {
		return "", fmt.Errorf("x-fc-access-key-id, x-fc-access-key-secret or x-fc-region missing")
	}
	var ev struct {
		GetObjectContext struct {
			OutputRoute string `json:"outputRoute"`
			OutputToken string `json:"outputToken"`
		} `json:"getObjectContext"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ev); err != nil {
		return "", fmt.Errorf("parse the event: %w", err)
	}
	route, scheme := ev.GetObjectContext.OutputRoute, "https"
	if s, host, ok := strings.Cut(route, "://"); ok {
		scheme, route = s, host
	}
	body, length := bodyToSend()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		scheme+"://"+route+"/?x-oss-write-get-object-response", body)
	if err != nil {
		return "", err
	}
	req.ContentLength = length
	h := req.Header
	h.Set("x-oss-request-route", route)
	h.Set("x-oss-request-token", ev.GetObjectContext.OutputToken)
	h.Set("x-oss-fwd-status", "200")
	h.Set("x-oss-fwd-header-Content-Type", "image/png")
	h.Set("x-oss-fwd-header-Cache-Control", "no-cache")
	h.Set("User-Agent", "floor")
	signV4(req, id, secret, token, region, time.Now().UTC())

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("WriteGetObjectResponse: %s", resp.Status)
	}
	return resp.Header.Get("x-oss-request-id"), nil
}

// bodyToSend is the red PNG, or, for the load program
// (internal/coldstart/load), $FLOOR_BODY_BYTES zero bytes written into a pipe
// in pieces of 32 KiB, as a handler writes them, and streamed with their
// Content-Length.
func bodyToSend() (io.Reader, int64) {
	n, _ := strconv.ParseInt(os.Getenv("FLOOR_BODY_BYTES"), 10, 64)
	if n <= 0 {
		return bytes.NewReader(redPNG()), int64(len(redPNG()))
	}
	pr, pw := io.Pipe()
	go func() {
		piece := make([]byte, 32<<10)
		for left := n; left > 0; left -= int64(len(piece)) {
			if left < int64(len(piece)) {
				piece = piece[:left]
			}
			if _, err := pw.Write(piece); err != nil {
				return
			}
		}
		pw.Close()
	}()
	return pr, n
}

// signV4 signs a service-level request (canonical URI "/") whose query is
// the single valueless sub-resource x-oss-write-get-object-response, over
// every x-oss-* header, with an unsigned payload.
func signV4(req *http.Request, id, secret, token, region string, now time.Time) {
	datetime, date := now.Format("20060102T150405Z"), now.Format("20060102")
	h := req.Header
	h.Set("x-oss-date", datetime)
	h.Set("Date", now.Format(http.TimeFormat))
	h.Set("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
	if token != "" {
		h.Set("x-oss-security-token", token)
	}
	var names []string
	for k := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-oss-") {
			names = append(names, lk)
		}
	}
	sort.Strings(names)
	var canonical strings.Builder
	canonical.WriteString("POST\n/\nx-oss-write-get-object-response\n")
	for _, n := range names {
		canonical.WriteString(n + ":" + strings.TrimSpace(h.Get(n)) + "\n")
	}
	canonical.WriteString("\n\nUNSIGNED-PAYLOAD")
	scope := date + "/" + region + "/oss/aliyun_v4_request"
	sum := sha256.Sum256([]byte(canonical.String()))
	stringToSign := "OSS4-HMAC-SHA256\n" + datetime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := []byte("aliyun_v4" + secret)
	for _, part := range []string{date, region, "oss", "aliyun_v4_request"} {
		key = hmacSHA256(key, part)
	}
	h.Set("Authorization", "OSS4-HMAC-SHA256 Credential="+id+"/"+scope+
		",Signature="+hex.EncodeToString(hmacSHA256(key, stringToSign)))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
