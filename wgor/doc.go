// Package wgor answers a GetObject made through an Alibaba Cloud OSS Object
// FC Access Point: it sends the function's response — status, forwarded
// headers and body — to the event's outputRoute with WriteGetObjectResponse,
// signed with OSS Signature V4 by package sign.
//
// A function parses its event with [ParseEvent] and answers with [Write]:
//
//	ev, err := wgor.ParseEvent(event)
//	if err != nil {
//		return err
//	}
//	_, err = wgor.Write(ctx, &wgor.Response{
//		Route:       ev.GetObjectContext.OutputRoute,
//		Token:       ev.GetObjectContext.OutputToken,
//		Status:      200,
//		ContentType: "image/png",
//		Body:        pngReader, // any io.Reader
//	})
//
// The body streams: it is never buffered whole, never read twice and never
// hashed (x-oss-content-sha256 is UNSIGNED-PAYLOAD), so a response of any
// size costs the same memory. A body of known length is sent with
// Content-Length and held to it; one of unknown length is sent chunked.
//
// [Write] uses a [Client] with default settings: credentials from
// creds.Default(), HTTPS, the region read from the route. A Client sets the
// HTTP client, the credentials, the region, the scheme, the user agent, the
// retry policy and a logger. Retries happen only when the single-use token
// provably never left the machine; see [Client].
//
// OSS's refusals are [*ServiceError]; for SignatureDoesNotMatch it says
// where OSS's string to sign differs from the local one. No error, log
// record or printed value holds the access key secret, the security token,
// the outputToken or a signature.
package wgor
