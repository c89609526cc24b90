// Package accesspoint emulates an OSS Object FC Access Point on a loopback
// address, so that a function answering GetObject with WriteGetObjectResponse
// can be run and tested without Alibaba Cloud.
//
// A GET /<key> to the [Server] mints a single-use token and invokes
// [Config.Function] with the event below. The function answers with
// POST /?x-oss-write-get-object-response to the event's route; the server
// checks it as the README's "What the emulator checks" lists (length,
// signature V4, V2 or V1, headers, Content-MD5, token) and relays the
// status, the x-oss-fwd-header-<Name> headers and the body to the caller.
// A refused POST leaves the token usable.
//
//	{"getObjectContext": {"outputRoute": "http://127.0.0.1:41234",
//	                      "outputToken": "OSSV1#…",
//	                      "inputOssUrl": "http://127.0.0.1:41234/<key>?x-oss-signature=…"},
//	 "userRequest": {"url": "http://127.0.0.1:41234/<key>?<query>",
//	                 "headers": {"Host": "127.0.0.1:41234", "Range": "bytes=0-99"}}}
//
// getObjectContext is OSS's; userRequest follows S3 Object Lambda's event
// (OSS documents none). inputOssUrl is presigned with a key only the server
// holds and serves [Config.ObjectsDir] or [Config.Objects].
//
// [InvokerFunc] runs an in-process function, [HTTPInvoker] posts to a custom
// runtime, [ExecInvoker] runs a binary that speaks either the custom runtime
// or the Go runtime API, which the emulator serves.
//
// Every error is OSS's XML error document. A GetObject whose function does
// not deliver is answered 502 FunctionInvocationFailed, 502
// FunctionResponseNotReceived, 504 FunctionTimeout or, while shutting down,
// 503 ServiceUnavailable; a relay that breaks off is aborted. What a
// function says is scrubbed of the invocation's secrets where it enters.
package accesspoint
