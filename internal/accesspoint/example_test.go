package accesspoint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing/fstest"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
)

// shout is a function: it reads the original object from inputOssUrl and
// answers with it in upper case, by a WriteGetObjectResponse signed with
// the invocation's credentials for the invocation's region.
func shout(ctx context.Context, event []byte, creds sign.Credentials, region string) error {
	var ev struct {
		GetObjectContext struct {
			OutputRoute string `json:"outputRoute"`
			OutputToken string `json:"outputToken"`
			InputOSSURL string `json:"inputOssUrl"`
		} `json:"getObjectContext"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return err
	}
	resp, err := http.Get(ev.GetObjectContext.InputOSSURL)
	if err != nil {
		return err
	}
	original, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}

	route := ev.GetObjectContext.OutputRoute
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, route+"/?x-oss-write-get-object-response",
		bytes.NewReader(bytes.ToUpper(original)))
	if err != nil {
		return err
	}
	req.Header.Set("x-oss-request-route", route)
	req.Header.Set("x-oss-request-token", ev.GetObjectContext.OutputToken)
	req.Header.Set("x-oss-fwd-status", "200")
	req.Header.Set("x-oss-fwd-header-Content-Type", "text/plain")
	if err := sign.Sign(req, &sign.Options{Credentials: creds, Region: region}); err != nil {
		return err
	}
	answer, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	answer.Body.Close()
	if answer.StatusCode != http.StatusOK {
		return fmt.Errorf("WriteGetObjectResponse answered %s", answer.Status)
	}
	return nil
}

// An in-process Go function, as tests and the demo use.
func Example() {
	s, err := accesspoint.New(accesspoint.Config{
		Objects: fstest.MapFS{"greeting.txt": {Data: []byte("hello, oss")}},
		Function: accesspoint.InvokerFunc(func(ctx context.Context, inv *accesspoint.Invocation) error {
			return shout(ctx, inv.Event, inv.Credentials, inv.Region)
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Start(""); err != nil { // a free port on 127.0.0.1
		fmt.Println(err)
		return
	}
	defer s.Close()

	resp, err := http.Get(s.URL() + "/greeting.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), string(body))
	// Output: 200 text/plain HELLO, OSS
}

// A function in a Function Compute custom runtime: an HTTP server that
// takes the event on POST /invoke and its credentials and region from the
// x-fc-* headers.
func ExampleHTTPInvoker() {
	runtime := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		event, _ := io.ReadAll(r.Body)
		creds := sign.Credentials{
			AccessKeyID:     r.Header.Get("x-fc-access-key-id"),
			AccessKeySecret: r.Header.Get("x-fc-access-key-secret"),
			SecurityToken:   r.Header.Get("x-fc-security-token"),
		}
		if err := shout(r.Context(), event, creds, r.Header.Get("x-fc-region")); err != nil {
			w.Header().Set("x-fc-status", "404") // Function Compute's "the function failed"
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer runtime.Close()

	s, err := accesspoint.New(accesspoint.Config{
		Objects:  fstest.MapFS{"greeting.txt": {Data: []byte("hello from a runtime")}},
		Function: accesspoint.HTTPInvoker{URL: runtime.URL},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Start(""); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	resp, err := http.Get(s.URL() + "/greeting.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 HELLO FROM A RUNTIME
}

// A caller gets OSS's XML error when the function fails.
func ExampleServer_functionFails() {
	s, err := accesspoint.New(accesspoint.Config{
		Function: accesspoint.InvokerFunc(func(context.Context, *accesspoint.Invocation) error {
			return fmt.Errorf("cannot decode the image")
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Start(""); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	resp, err := http.Get(s.URL() + "/photo.png")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var e struct {
		Code string `xml:"Code"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&e); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), e.Code)
	// Output: 502 application/xml FunctionInvocationFailed
}
