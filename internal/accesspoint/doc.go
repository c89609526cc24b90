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
// The server checks its OSS V4 signature (header or presigned) against
// [Config.Credentials] and [Config.Region], then its x-oss-request-route,
// x-oss-request-token and x-oss-fwd-status, and relays to the waiting caller
// the status, every x-oss-fwd-header-<Name> as <Name> (except connection and
// framing headers), and the body, streamed in constant memory with the
// request's Content-Length when it has one (no Content-Type is added when
// none is forwarded). It then answers the POST 200
// with an x-oss-request-id. A refused POST leaves the token usable: only an
// accepted one uses it up.
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
// getObjectContext and its three fields are OSS's: the OSS user guide
// documents outputRoute and outputToken, and OSS's Go sample declares
// inputOssUrl. userRequest is not documented by OSS; it follows S3 Object
// Lambda's event so that a function can honour the caller's Range and
// conditional headers (the caller's Authorization, Cookie and
// x-oss-security-token are left out). OSS documents no other field, so
// the emulator sends none.
//
// The outputRoute is the server's URL with its scheme, so a client must
// honour "http://". Because a loopback route names no region, a client must
// be told the region to sign for: [Invocation.Region] for an in-process
// function, the x-fc-region header for a custom runtime.
//
// The inputOssUrl is the object's URL on the server, presigned with a key
// only the server holds and valid for [Config.Timeout]. It serves the object
// from [Config.Objects] with Range and conditional requests honoured, or
// 404 NoSuchKey. The function is invoked whether or not the object exists,
// as in S3 Object Lambda; it learns of a missing object from inputOssUrl.
//
// # Invoking the function
//
// [InvokerFunc] runs an in-process Go function; [HTTPInvoker] posts the
// event to a Function Compute custom runtime (POST <url>/invoke, with the
// x-fc-* headers Function Compute sends). The function must send
// WriteGetObjectResponse before it returns, as in Function Compute; the
// invocation's context ends at the timeout, when the caller goes away before
// a response, or at [Server.Close].
//
// # Errors
//
// Every error is OSS's XML error document, with Content-Type application/xml
// and the request ID in x-oss-request-id:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<Error>
//	  <Code>SignatureDoesNotMatch</Code>
//	  <Message>…</Message>
//	  <RequestId>5C3D9175B6FC201293AD4890</RequestId>
//	  <HostId>127.0.0.1:41234</HostId>
//	  <StringToSign>OSS4-HMAC-SHA256…</StringToSign>
//	  <EC>0002-00000201</EC>
//	</Error>
//
// StringToSign is sent with SignatureDoesNotMatch only; the canonical request
// and the signature never are. EC (also in the x-oss-ec header) is set only
// where OSS documents one: 0002-00000201 for SignatureDoesNotMatch and
// 0002-00000006 for InvalidSecurityToken.
//
// Answers to WriteGetObjectResponse:
//
//	403 AccessDenied           not signed; token unknown, already used, expired,
//	                           or its GetObject has ended
//	403 InvalidAccessKeyId     signed with another access key
//	403 InvalidSecurityToken   x-oss-security-token is not the function's
//	403 SignatureDoesNotMatch  wrong secret, or a signed header changed
//	403 RequestTimeTooSkewed   x-oss-date more than 15 minutes off
//	400 InvalidArgument        wrong signing region or product, malformed
//	                           Authorization, missing route or token, route of
//	                           another server, x-oss-fwd-status not 200..599
//	400 InvalidDigest          Content-MD5 malformed, or not the body's
//	400 IncompleteBody         the body ended early
//	400 RequestTimeout         the body did not arrive within the timeout
//	400 CallerDisconnected     the GetObject caller went away mid-response
//
// Answers to GetObject when the function does not deliver:
//
//	502 FunctionInvocationFailed     the function returned an error or panicked,
//	                                 or the custom runtime failed or was unreachable
//	502 FunctionResponseNotReceived  the function returned without a response
//	504 FunctionTimeout              no response within Config.Timeout
//	503 ServiceUnavailable           the server is shutting down
//
// A response that breaks off after it began (the function's body ends early
// or fails its Content-MD5; the last byte is held back until the digest is
// checked) is aborted, so the caller sees a truncated transfer, never a
// success.
//
// The signature codes are sign.Verify's, which follow OSS. OSS does not
// document what WriteGetObjectResponse answers for a bad token, nor what a
// caller receives when the function fails: AccessDenied for tokens and the
// Function* and CallerDisconnected codes are the emulator's choice.
//
// Logs ([Config.Logger]) name request IDs, keys, codes and sizes; never a
// token, a secret or a signature.
package accesspoint
