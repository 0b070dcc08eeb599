//go:build !unix

package artifact

import "os"

// openNonBlocking opens path for reading. Outside unix there is no
// O_NONBLOCK; the regular-file check after it still applies.
func openNonBlocking(path string) (*os.File, error) {
	return os.Open(path)
}
