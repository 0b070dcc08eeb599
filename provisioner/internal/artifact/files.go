package artifact

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
)

// MaxArtifactBytes bounds one artifact file. The generated dashboard is
// about 45 KiB and real ones rarely pass a few hundred KiB: 8 MiB is ample
// for any artifact, while a wrong file (a log, an image, a dump) is
// refused instead of read whole.
const MaxArtifactBytes = 8 << 20

// errNotRegular is a file that is not a regular file.
var errNotRegular = errors.New("an artifact must be a regular file (or a symlink to one)")

// readArtifact reads dir/file, a regular file (symlinks are followed) of
// at most MaxArtifactBytes. It opens the file without blocking, so that a
// named pipe or a device cannot stall the run; anything that is not a
// regular file is refused before a byte is read. Its errors are the
// message of a Problem of the file.
func readArtifact(dir, file string) ([]byte, error) {
	f, err := openNonBlocking(filepath.Join(dir, filepath.FromSlash(file)))
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s, not a regular file: %w", kind(info.Mode()), errNotRegular)
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxArtifactBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	if len(raw) > MaxArtifactBytes {
		return nil, fmt.Errorf("larger than %d MiB (%d bytes), the limit of one artifact", MaxArtifactBytes>>20, MaxArtifactBytes)
	}
	return raw, nil
}

// kind names what a file that is not a regular one is.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
