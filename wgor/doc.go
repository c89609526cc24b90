// Package wgor answers a GetObject made through an Alibaba Cloud OSS Object
// FC Access Point: it sends the function's response — status, forwarded
// headers and body — to the event's outputRoute with WriteGetObjectResponse,
// signed with OSS Signature V4 by package sign.
//
// A function answers with [Write], given the event's route and token and
// the credentials to sign with (package fcrt parses the event and holds the
// invocation's credentials):
//
//	_, err = wgor.Write(ctx, inv.Credentials, &wgor.Response{
//		Route:       inv.Event.GetObjectContext.OutputRoute,
//		Token:       inv.Event.GetObjectContext.OutputToken,
//		Status:      200,
//		ContentType: "image/png",
//		Body:        pngReader, // any io.Reader
//	})
//
// The body is never hashed (x-oss-content-sha256 is UNSIGNED-PAYLOAD) and
// never held whole in memory. A body of known length streams with its
// Content-Length and is held to it. One of unknown length is spooled, its
// head in memory and the rest in a temporary file, within the process's
// [SpoolBudget], and then sent with the Content-Length OSS requires;
// [Client].Chunked streams it chunked instead, which OSS does not document.
//
// [Write] uses a [Client] with default settings but the credentials:
// HTTPS, the region read from the route. Credentials are always explicit:
// an invocation's own, or the default chain (chain.Default() of package
// creds/chain), which lives apart so that a function that signs with its
// invocation's credentials never links credentials-go. Retries happen only
// when the single-use token provably never left the machine; see [Client].
//
// OSS's refusals are [*ServiceError]; for SignatureDoesNotMatch it says
// where OSS's string to sign differs from the local one. An error returned
// before anything was sent wraps [ErrNotSent]: the token is still unused.
// No error, log record or printed value holds the access key secret, the
// security token, the outputToken or a signature.
package wgor
