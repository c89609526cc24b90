// Package client is the implementation behind package wgor: the
// WriteGetObjectResponse client, the response, OSS's errors and the event.
//
// Users import github.com/wgor-dev/wgor/wgor, whose names are aliases of
// these. The code lives here so that a function built on wgor/fcrt, which
// signs with each invocation's credentials, links neither the default
// credentials chain nor what that chain brings (credentials-go and its
// dependencies): see DefaultCredentials.
package client
