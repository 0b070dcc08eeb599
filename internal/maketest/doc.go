// Package maketest runs the repository's Makefile as people and scripts do,
// `make -s <target>` in the repository root, and checks what make reports:
// the provisioner's exit codes surviving make (Error 2 for changes or
// differences, Error 1 for failures) in plan and review, flags passed with
// ARGS, and the compose targets refusing to start without Docker Compose v2.
package maketest
