package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/sign"
)

// region is the region the functions are told (x-fc-region) and that the
// OSS side verifies signatures for: a loopback route names none.
const region = "cn-hangzhou"

// harness plays Function Compute and OSS for the functions it starts.
type harness struct {
	ln    net.Listener
	srv   *http.Server
	route string // the outputRoute of every event: the OSS side's URL
	png   []byte // the body every function must send
	keys  sign.Credentials

	mu      sync.Mutex
	waiting map[string]chan answer // by x-oss-request-token
}

// answer is what the OSS side saw of one WriteGetObjectResponse.
type answer struct {
	at  time.Time // when its 200 was written
	err error     // why it was refused
}

// started is one measured start.
type started struct {
	elapsed time.Duration // exec → the answer to its WriteGetObjectResponse written
	listen  time.Duration // exec → the first connection to its port accepted
	rss     int64         // VmRSS in bytes after the invocation
	stderr  []byte        // captured when asked for
}

func newHarness() (*harness, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &harness{
		ln:      ln,
		route:   "http://" + ln.Addr().String(),
		png:     redPNG(),
		keys:    sign.Credentials{AccessKeyID: "STS.coldstart", AccessKeySecret: randomHex(15), SecurityToken: randomHex(40)},
		waiting: map[string]chan answer{},
	}
	h.srv = &http.Server{Handler: http.HandlerFunc(h.oss), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

func (h *harness) close() { _ = h.srv.Close() }

// redPNG is the body cmd/redpng sends: a 200×200 red PNG, encoded the way
// internal/redpng encodes it.
func redPNG() []byte {
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
}

// oss answers WriteGetObjectResponse as OSS does (OSS API reference
// "WriteGetObjectResponse": success is 200 with x-oss-request-id): it reads
// the whole body, checks the signature and the headers, and answers 200 with
// x-oss-request-id, or 400 when anything is wrong.
func (h *harness) oss(w http.ResponseWriter, r *http.Request) {
	token := r.Header.Get("X-Oss-Request-Token")
	h.mu.Lock()
	ch := h.waiting[token]
	delete(h.waiting, token)
	h.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = h.check(r, body)
	}
	if ch == nil && err == nil {
		err = errors.New("x-oss-request-token matches no start in progress")
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		if ch != nil {
			ch <- answer{err: err}
		}
		return
	}
	w.Header().Set("X-Oss-Request-Id", "coldstart-"+token[len(token)-8:])
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	ch <- answer{at: time.Now()}
}

func (h *harness) check(r *http.Request, body []byte) error {
	if r.Method != http.MethodPost || r.URL.RawQuery != "x-oss-write-get-object-response" {
		return fmt.Errorf("not a WriteGetObjectResponse: %s ?%s", r.Method, r.URL.RawQuery)
	}
	if _, err := sign.Verify(r, &sign.VerifyOptions{Region: region, Lookup: func(id string) (sign.Credentials, bool) {
		return h.keys, id == h.keys.AccessKeyID
	}}); err != nil {
		return err
	}
	for name, want := range map[string]string{
		"X-Oss-Fwd-Status":               "200",
		"X-Oss-Fwd-Header-Content-Type":  "image/png",
		"X-Oss-Fwd-Header-Cache-Control": "no-cache",
		"X-Oss-Request-Route":            h.ln.Addr().String(),
	} {
		if got := r.Header.Get(name); got != want {
			return fmt.Errorf("%s is %q, want %q", name, got, want)
		}
	}
	if !bytes.Equal(body, h.png) {
		return fmt.Errorf("the body (%d bytes) is not the red PNG (%d bytes)", len(body), len(h.png))
	}
	return nil
}

// start runs the binary at path once: exec, one invocation, VmRSS, kill.
// env is added to the child's environment; with it, stderr is captured.
func (h *harness) start(ctx context.Context, path string, env []string, timeout time.Duration) (*started, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	token := "OSSV1#" + randomHex(16)
	ch := make(chan answer, 1)
	h.mu.Lock()
	h.waiting[token] = ch
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.waiting, token)
		h.mu.Unlock()
	}()

	cmd := exec.Command(path)
	cmd.Env = append([]string{"FC_SERVER_HOST=127.0.0.1", "FC_SERVER_PORT=" + strconv.Itoa(port)}, env...)
	var stderr bytes.Buffer
	if len(env) > 0 {
		cmd.Stderr = &stderr
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()

	listening, err := h.invoke(ctx, port, token, exited)
	if err != nil {
		return nil, err
	}
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		return nil, errors.New("the invocation returned without a WriteGetObjectResponse")
	}
	if a.err != nil {
		return nil, fmt.Errorf("its WriteGetObjectResponse was refused: %w", a.err)
	}
	rss, err := readRSS(cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	_ = cmd.Process.Kill()
	<-exited
	return &started{elapsed: a.at.Sub(t0), listen: listening.Sub(t0), rss: rss, stderr: stderr.Bytes()}, nil
}

// invoke posts the event to the function's /invoke as Function Compute
// does, connecting as soon as the function listens, and returns when it
// connected.
func (h *harness) invoke(ctx context.Context, port int, token string, exited <-chan struct{}) (time.Time, error) {
	event, err := json.Marshal(map[string]any{"getObjectContext": map[string]string{
		"outputRoute": h.route,
		"outputToken": token,
		"inputOssUrl": h.route + "/bucket/object?x-oss-signature=unused",
	}})
	if err != nil {
		return time.Time{}, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conn, err := dialWhenListening(ctx, addr, exited)
	if err != nil {
		return time.Time{}, err
	}
	listening := time.Now()
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(context.Context, string, string) (net.Conn, error) {
		if conn == nil {
			return nil, errors.New("one connection per start")
		}
		c := conn
		conn = nil
		return c, nil
	}}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/invoke", bytes.NewReader(event))
	if err != nil {
		return time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Fc-Request-Id", randomHex(16))
	req.Header.Set("X-Fc-Access-Key-Id", h.keys.AccessKeyID)
	req.Header.Set("X-Fc-Access-Key-Secret", h.keys.AccessKeySecret)
	req.Header.Set("X-Fc-Security-Token", h.keys.SecurityToken)
	req.Header.Set("X-Fc-Region", region)
	req.Header.Set("X-Fc-Account-Id", "1234567890")
	req.Header.Set("X-Fc-Function-Name", "redpng")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("POST /invoke: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, fmt.Errorf("POST /invoke answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return listening, nil
}
