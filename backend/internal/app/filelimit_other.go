//go:build !unix

package app

// openFileLimit reports no limit where RLIMIT_NOFILE does not exist.
func openFileLimit() (uint64, bool) { return 0, false }
