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
// The server checks, in this order: that the request has a Content-Length
// (the API reference lists it as required; [Config.AllowChunked] accepts a
// chunked body, which OSS does not document), its signature against
// [Config.Credentials] and [Config.Region] in every form OSS accepts (V4 in
// the header with x-oss-date or with only Date, V4 presigned, V1 in the
// header or the query), its x-oss-request-route, x-oss-request-token and
// x-oss-fwd-status (each sent once; the status one of the seventeen values
// the API reference lists, in plain decimal), its Content-MD5, and its
// token. It relays to the waiting caller the status, every
// x-oss-fwd-header-<Name> as <Name> (except connection and framing headers;
// names beyond the ten the API reference lists and Location, which the Java
// SDK's sample forwards, are relayed and logged as undocumented), and the
// body, streamed in constant memory with the request's Content-Length (no
// Content-Type is added when none is forwarded). It then answers the POST
// 200 with an x-oss-request-id. A refused POST leaves the token usable:
// only an accepted one uses it up. The README's "What the emulator checks"
// gives each check's source.
//
// # Signature V1
//
// wgor signs only with V4, but OSS still accepts V1 and the older Go SDK,
// the Java SDK and oss2 send it by default, so the emulator verifies it
// (the server's half only; OSS API reference "Include signatures in the
// Authorization header" and "Include signatures in URLs"): HMAC-SHA1 over
// VERB, Content-MD5, Content-Type, Date, the x-oss-* headers and the
// canonical resource. The Date position holds the Date header, or x-oss-date
// in RFC 1123 form when there is no Date (Node's ali-oss), or Expires in the
// query form. The canonical resource is accepted with or without the
// x-oss-write-get-object-response sub-resource, because SDKs differ.
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
// from [Config.ObjectsDir] (through os.Root) or [Config.Objects] with Range
// and conditional requests honoured, or 404 NoSuchKey: only regular files
// are served, never one reached by a link out of the directory, a FIFO or a
// device, and nothing is opened in a way that can block. The function is
// invoked whether or not the object exists, as in S3 Object Lambda; it
// learns of a missing object from inputOssUrl.
//
// The base URL of outputRoute and inputOssUrl is [Config.AdvertisedURL], or
// the server's listener, or, when the Server is mounted as an http.Handler on
// another http.Server, the local address the request arrived on; never the
// request's Host header, which the caller chooses.
//
// # Invoking the function
//
// [InvokerFunc] runs an in-process Go function; [HTTPInvoker] posts the
// event to a Function Compute custom runtime (POST <url>/invoke, with the
// x-fc-* headers Function Compute sends; it never follows a redirect, which
// would carry the credentials to another server). The function must send
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
// StringToSign is sent with SignatureDoesNotMatch only, as OSS does (EC
// 0002-00000201: "compare the StringToSign"); a V4 one holds a hash of the
// canonical request, and a V1 one shows the security token and the request
// token as <redacted>. The canonical request and the signature are never
// sent. EC (also in the x-oss-ec header) is set only where OSS documents
// one.
//
// Answers to WriteGetObjectResponse:
//
//	411 MissingContentLength   no Content-Length (unless Config.AllowChunked)
//	403 AccessDenied           not signed, no or a malformed date, a URL
//	                           expired or dated ahead (0002-00000235); token
//	                           unknown, already used, expired, or its
//	                           GetObject has ended
//	403 InvalidAccessKeyId     signed with another access key
//	403 InvalidSecurityToken   not the function's security token (0002-00000006)
//	403 SignatureDoesNotMatch  wrong secret, or a signed header changed
//	                           (0002-00000201)
//	403 RequestTimeTooSkewed   header signing more than 15 minutes off
//	                           (0002-00000504)
//	400 InvalidArgument        wrong signing region or product, malformed
//	                           Authorization, signature V2, x-oss-content-sha256
//	                           not UNSIGNED-PAYLOAD (0002-00000214), a URL
//	                           living over 7 days (0002-00000232), missing or
//	                           repeated route, token or status, route of another
//	                           server, x-oss-fwd-status not a documented value
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
// The V4 signature codes are sign.Verify's, which follow OSS. OSS does not
// document what WriteGetObjectResponse answers for a bad token, nor what a
// caller receives when the function fails: AccessDenied for tokens and the
// Function* and CallerDisconnected codes are the emulator's choice, as is
// refusing a repeated route, token or status header.
//
// The listener of Start and Serve has a 30 s header timeout and a 2 min
// idle timeout (mounted as a handler, the timeouts are those of the
// http.Server it is mounted on); records
// of used tokens are kept 10 minutes and 10,000 at most (a token forgotten
// early is still refused, as unknown).
//
// Logs ([Config.Logger]) name request IDs, keys, codes and sizes; never a
// token, a secret or a signature.
package accesspoint
