package plan

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/jsondiff"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// redacted is how Grafana returns a secret setting.
const redacted = "[REDACTED]"

// contactPointDoc is the part of a contact point that is compared.
type contactPointDoc struct {
	Name                  string `json:"name"`
	Type                  string `json:"type"`
	Settings              any    `json:"settings"`
	DisableResolveMessage bool   `json:"disableResolveMessage"`
}

// contactPointKind is the contact points of the artifacts, when
// contact-points.json is generated; their uids start with the managed
// prefix.
type contactPointKind struct{ sequential }

func (contactPointKind) Kind() Kind { return KindContactPoint }

func (contactPointKind) describe(b *artifact.Bundle) string {
	if b.ContactPoints == nil {
		return ""
	}
	return plural(len(b.ContactPoints), "contact point")
}

// artifacts lists the contact points as committed: a secret setting is a
// ${NAME} reference there, never its value.
func (contactPointKind) artifacts(b *artifact.Bundle) ([]Resource, error) {
	var out []Resource
	for _, cp := range b.ContactPoints {
		if cp == nil {
			continue
		}
		doc, err := jsondiff.Normalize(contactPointDoc{Name: cp.Name, Type: str(cp.Type), Settings: cp.Settings, DisableResolveMessage: cp.DisableResolveMessage})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.ContactPointsFile, err)
		}
		out = append(out, Resource{Kind: KindContactPoint, Name: cp.UID, Title: cp.Name, Doc: jsondiff.DropNulls(doc)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (contactPointKind) plan(ctx context.Context, b *builder) error {
	if b.want.ContactPoints == nil && !b.opts.Prune {
		return nil
	}
	list, err := b.c.ContactPoints(ctx)
	if err != nil {
		return fmt.Errorf("list contact points: %w", err)
	}
	byUID := make(map[string]*models.EmbeddedContactPoint, len(list))
	for _, cp := range list {
		byUID[cp.UID] = cp
	}
	want := append([]*models.EmbeddedContactPoint(nil), b.want.ContactPoints...)
	sort.Slice(want, func(i, j int) bool { return want[i].UID < want[j].UID })
	wanted := map[string]bool{}
	for _, cp := range want {
		wanted[cp.UID] = true
		if err := b.add(b.planContactPoint(cp, byUID[cp.UID])); err != nil {
			return err
		}
	}
	if !b.opts.Prune {
		return nil
	}
	var stale []string
	for _, cp := range list {
		if !wanted[cp.UID] && strings.HasPrefix(cp.UID, managed.ContactPointUIDPrefix) {
			stale = append(stale, cp.UID)
		}
	}
	return b.addDeletes(KindContactPoint, stale, b.c.DeleteContactPoint)
}

func (b *builder) planContactPoint(want, cur *models.EmbeddedContactPoint) *Step {
	s := &Step{Kind: KindContactPoint, Name: want.UID}
	if cur == nil {
		s.Action = Create
		s.write = func(ctx context.Context) error { return b.c.CreateContactPoint(ctx, want) }
		return s
	}
	wantedProv := b.opts.wantedProvenance()
	if cur.Provenance != wantedProv {
		if cur.Provenance != "" {
			return failed(s, errLocked("contact point "+want.UID, cur.Provenance))
		}
		s.Changes = append(s.Changes, provenanceChange(cur.Provenance, wantedProv))
	}
	current := contactPointDoc{Name: cur.Name, Type: str(cur.Type), Settings: cur.Settings, DisableResolveMessage: cur.DisableResolveMessage}
	desired := contactPointDoc{Name: want.Name, Type: str(want.Type), Settings: maskSecrets(want.Settings, cur.Settings), DisableResolveMessage: want.DisableResolveMessage}
	if err := compareModels(s, current, desired); err != nil {
		return failed(s, err)
	}
	s.write = func(ctx context.Context) error { return b.c.UpdateContactPoint(ctx, want) }
	return s
}

// maskSecrets returns the desired settings with every value that Grafana
// returns redacted replaced by the redaction too: a secret cannot be
// compared, only its presence.
func maskSecrets(want, current any) any {
	w, ok := want.(map[string]any)
	c, ok2 := current.(map[string]any)
	if !ok || !ok2 {
		return want
	}
	out := maps.Clone(w)
	for k, v := range c {
		if v == redacted {
			if _, ok := out[k]; ok {
				out[k] = redacted
			}
		}
	}
	return out
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
