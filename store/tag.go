package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"slate"
)

// tagTable is where one kind of element keeps its tags. tag holds the
// spelling given; tag_key (slate.TagKey) is what matching and uniqueness use.
type tagTable struct {
	table, idCol string
}

var (
	sceneTags = tagTable{"scene_tags", "scene_id"}
	shotTags  = tagTable{"shot_tags", "shot_id"}
)

func tagTableFor(k slate.ElementKind) (tagTable, error) {
	switch k {
	case slate.KindScene:
		return sceneTags, nil
	case slate.KindShot:
		return shotTags, nil
	}
	return tagTable{}, slate.Invalidf("kind", "only scenes and shots carry tags, not %q", k)
}

// sortTags orders tags by key in Go rather than SQL, so both databases (whose
// collations differ) return the same order.
func sortTags(tags []string) {
	slices.SortFunc(tags, func(a, b string) int {
		if c := strings.Compare(slate.TagKey(a), slate.TagKey(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

// SetTags replaces the tags of a scene or shot. Tags stay writable when the
// element is locked: they organise work, they do not change it.
func (s *DB) SetTags(ctx context.Context, el slate.ElementRef, tags []string) ([]string, error) {
	tt, err := tagTableFor(el.Kind)
	if err != nil {
		return nil, err
	}
	norm, err := slate.NormalizeTags(tags)
	if err != nil {
		return nil, err
	}
	err = s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.access(ctx, el, slate.PermModify)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+tt.table+` WHERE `+tt.idCol+` = $1`, el.ID); err != nil {
			return err
		}
		for _, t := range norm {
			if err := tx.addTag(ctx, tt, el.ID, c.projectID, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortTags(norm)
	return norm, nil
}

// addTag adds one normalised tag; one already there under any spelling stays
// as it was.
func (tx *Tx) addTag(ctx context.Context, tt tagTable, id, projectID, tag string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO `+tt.table+` (`+tt.idCol+`, project_id, tag, tag_key)
		VALUES ($1, $2, $3, $4) ON CONFLICT (`+tt.idCol+`, tag_key) DO NOTHING`, id, projectID, tag, slate.TagKey(tag))
	return err
}

// tagsOf reads one element's tags, sorted.
func (tx *Tx) tagsOf(ctx context.Context, tt tagTable, id string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tag FROM `+tt.table+` WHERE `+tt.idCol+` = $1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	sortTags(tags)
	return tags, rows.Err()
}

// eachProjectTag reads the tags of every element of one kind in a project
// in one query and hands each to add. A project's tags repeat a few
// spellings thousands of times, so ids are scanned without copying and tags
// are shared: a tree read then allocates almost nothing per tag.
func (tx *Tx) eachProjectTag(ctx context.Context, tt tagTable, projectID string, add func(id []byte, tag string)) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+tt.idCol+`, tag FROM `+tt.table+` WHERE project_id = $1`, projectID)
	if err != nil {
		return err
	}
	defer rows.Close()
	interned := map[string]string{}
	var id, t sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &t); err != nil {
			return err
		}
		tag, ok := interned[string(t)]
		if !ok {
			tag = string(t)
			interned[tag] = tag
		}
		add(id, tag)
	}
	return rows.Err()
}
