package plan

import (
	"context"
	"errors"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
)

// planFolder plans the one managed folder. It is never pruned: deleting a
// folder deletes everything in it, managed or not.
func (b *builder) planFolder(ctx context.Context) error {
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
