//go:build unix

package app

import "syscall"

// openFileLimit is the process's RLIMIT_NOFILE soft limit.
func openFileLimit() (uint64, bool) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, false
	}
	return uint64(l.Cur), true
}
