// Package fcinterop proves that a function written for Function Compute's
// Go runtime with the official github.com/aliyun/fc-runtime-go-sdk (fc.Start)
// runs unchanged against wgor's emulator, through its ExecInvoker and its
// emulation of the Go runtime API. It is a module of its own so that wgor's
// own go.mod never requires that SDK; it has no code but the function in
// fcfunction and its tests.
package fcinterop
