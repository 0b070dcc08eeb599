package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
)

// folderKind is the one managed folder. It is never pruned: deleting a
// folder deletes everything in it, managed or not. It is not an artifact:
// its uid and title are the provisioner's.
type folderKind struct{ sequential }

func (folderKind) Kind() Kind { return KindFolder }

// stopsRun: everything else lives in the folder.
func (folderKind) stopsRun(s *Step) error {
	return fmt.Errorf("folder %s could not be written, and everything else lives in it: nothing else was attempted", s.Name)
}

func (folderKind) plan(ctx context.Context, b *builder) error {
	f := b.want.Folder
	s := &Step{Kind: KindFolder, Name: f.UID}
	cur, err := b.c.Folder(ctx, f.UID)
	switch {
	case errors.Is(err, grafana.ErrNotFound):
		s.Action = Create
		s.write = func(ctx context.Context) error { return b.c.CreateFolder(ctx, f.UID, f.Title) }
	case err != nil:
		failed(s, err)
	default:
		if err := compare(s, map[string]any{"title": cur.Title}, map[string]any{"title": f.Title}); err != nil {
			failed(s, err)
			break
		}
		version := cur.Version
		s.write = func(ctx context.Context) error { return b.c.UpdateFolder(ctx, f.UID, f.Title, version) }
	}
	return b.add(s)
}
