// Package e2e holds the end-to-end tests of wgor: the client, the example
// function and the command line against the local access point emulator,
// in one process and across processes. It has no code of its own.
package e2e
