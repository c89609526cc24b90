// Package accesspoint emulates an OSS Object FC Access Point on a loopback
// address, so that a function answering GetObject with WriteGetObjectResponse
// can be run and tested without Alibaba Cloud.
//
// # The flow
//
// A client sends GET /<key> to the [Server]. The server mints a single-use
// token, invokes the function ([Config.Function]) with an event, and waits
// for the function's WriteGetObjectResponse:
//
//	POST /?x-oss-write-get-object-response   (to the route in the event)
//
// It checks the request as OSS documents it: its Content-Length (or
// [Config.AllowChunked]); its signature against [Config.Credentials] and
// [Config.Region] in every form OSS accepts (V4, V2 and V1, each in the
// header or the query); its route, token and x-oss-fwd-status headers; its
// Content-MD5; its token. It then relays to the caller the status, every
// x-oss-fwd-header-<Name> as <Name> (except connection and framing headers)
// and the body, streamed with the request's Content-Length, and answers the
// POST 200. A refused POST leaves the token usable. The README's "What the
// emulator checks" gives each check, its answer and its source.
//
// # The event
//
//	{
//	  "getObjectContext": {
//	    "outputRoute": "http://127.0.0.1:41234",
//	    "outputToken": "OSSV1#…",
//	    "inputOssUrl": "http://127.0.0.1:41234/<key>?x-oss-signature-version=OSS4-HMAC-SHA256&…"
//	  },
//	  "userRequest": {
//	    "url": "http://127.0.0.1:41234/<key>?<query>",
//	    "headers": {"Host": "127.0.0.1:41234", "Range": "bytes=0-99", …}
//	  }
//	}
//
// getObjectContext is OSS's (the user guide documents outputRoute and
// outputToken; OSS's Go sample declares inputOssUrl). userRequest is not
// documented by OSS: it follows S3 Object Lambda's event so that a function
// can honour the caller's Range and conditional headers (the caller's
// Authorization, Cookie and x-oss-security-token are left out). A loopback
// route names no region: a client is told it in [Invocation.Region], or the
// x-fc-region header of a custom runtime.
//
// The inputOssUrl is the object's URL on the server, presigned with a key
// only the server holds and valid for [Config.Timeout]. It serves the object
// of [Config.ObjectsDir] (through os.Root, regular files only) or
// [Config.Objects] with ETag, Last-Modified, Range and conditional requests,
// or 404 NoSuchKey. The function is invoked whether or not the object
// exists, as in S3 Object Lambda. The base URL of the event is
// [Config.AdvertisedURL], or the server's listener, never the request's Host
// header, which the caller chooses.
//
// # Invoking the function
//
// [InvokerFunc] runs an in-process Go function; [HTTPInvoker] posts the event
// to a Function Compute custom runtime; [RuntimeAPI] serves a function built
// on the Go runtime (fc.Start); [ExecInvoker] runs a binary in either way.
// The function must send WriteGetObjectResponse before it returns, as in
// Function Compute; a response that arrives within half a second of its
// return is still relayed. The invocation's context ends at the timeout,
// when the caller goes away before a response, or at [Server.Close].
//
// # Errors
//
// Every error is OSS's XML error document (internal/oss.ErrorDoc), with
// Content-Type application/xml, the request ID in x-oss-request-id, and
// the EC, where OSS documents one, in x-oss-ec too. A SignatureDoesNotMatch
// carries the server's StringToSign, its tokens shown as <redacted>.
//
// A GetObject whose function does not deliver is answered:
//
//	502 FunctionInvocationFailed     the function failed and no response arrived
//	502 FunctionResponseNotReceived  the function returned without a response
//	504 FunctionTimeout              no response within Config.Timeout
//	503 ServiceUnavailable           the server is shutting down
//
// A response that breaks off after it began (its body ends early or fails
// its Content-MD5, whose last byte is held back until checked) is aborted,
// so the caller sees a broken transfer, never a success. OSS documents
// neither the token refusals nor these codes: they are the emulator's.
//
// Logs ([Config.Logger]) name request IDs, keys, codes and sizes. What a
// function says (its error, its /error report, a custom runtime's answer,
// its stderr) is scrubbed of the invocation's secret, security token,
// output token and inputOssUrl signature where it enters (internal/redact):
// no log holds a token, a secret or a signature.
package accesspoint
