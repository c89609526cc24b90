// Package newcomer holds only a test: the README's walk from an empty folder
// to a packaged function, run as printed in a temporary folder, with every
// Go snippet of the README compiled and run. See newcomer_test.go.
package newcomer
