package slate

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Selection picks shots of one project: the union of the listed shots, every
// shot of the listed scenes and acts, the shots carrying any of the tags or
// sitting in a scene that carries one, or the whole project.
type Selection struct {
	Shots  []string `json:"shots,omitempty" maxItems:"10000"`
	Scenes []string `json:"scenes,omitempty" maxItems:"10000"`
	Acts   []string `json:"acts,omitempty" maxItems:"10000"`
	Tags   []string `json:"tags,omitempty" maxItems:"100"`
	All    bool     `json:"all,omitempty"`
}

// Validate refuses an empty selection: selecting nothing is always a mistake.
func (s Selection) Validate() error {
	if !s.All && len(s.Shots)+len(s.Scenes)+len(s.Acts)+len(s.Tags) == 0 {
		return Invalidf("selection", "selection is empty: name shots, scenes, acts or tags, or set all")
	}
	return nil
}

// ShotPlace is where one shot sits in the tree, with the tags that select it.
// A project's places, in tree order, are all selection needs.
type ShotPlace struct {
	ShotID, SceneID, ActID string
	// ShotTags and SceneTags hold normalised tags (see TagKey).
	ShotTags, SceneTags []string
}

// ProjectIndex is what selection needs of a project: its shots' places in
// tree order, and the ids of all its acts and scenes (empty ones too).
type ProjectIndex struct {
	Places       []ShotPlace
	Acts, Scenes []string
}

// Select returns the indexes into idx.Places of the shots sel picks, in tree
// order, once each. It returns ENOTFOUND for an id that is not in the
// project, so ids of other projects never pass.
func Select(idx ProjectIndex, sel Selection) ([]int, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	shots, scenes, acts := setOf(sel.Shots), setOf(sel.Scenes), setOf(sel.Acts)
	tags := make(map[string]bool, len(sel.Tags))
	for _, t := range sel.Tags {
		tags[TagKey(t)] = true
	}
	known := map[string]map[string]bool{"act": setOf(idx.Acts), "scene": setOf(idx.Scenes), "shot": {}}
	out := []int{}
	for i, p := range idx.Places {
		known["shot"][p.ShotID] = true
		if sel.All || shots[p.ShotID] || scenes[p.SceneID] || acts[p.ActID] ||
			anyIn(p.ShotTags, tags) || anyIn(p.SceneTags, tags) {
			out = append(out, i)
		}
	}
	for _, group := range []struct {
		what string
		ids  []string
	}{{"shot", sel.Shots}, {"scene", sel.Scenes}, {"act", sel.Acts}} {
		for _, id := range group.ids {
			if !known[group.what][id] {
				return nil, NotFound(group.what, id)
			}
		}
	}
	return out, nil
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func anyIn(vs []string, set map[string]bool) bool {
	for _, v := range vs {
		if set[v] {
			return true
		}
	}
	return false
}

// Tag limits.
const (
	MaxTagLen  = 50
	MaxTagsPer = 50
)

// TagKey is the case-insensitive identity of a tag.
func TagKey(t string) string { return strings.ToLower(strings.Join(strings.Fields(t), " ")) }

// NormalizeTags trims and collapses white space in each tag, drops
// case-insensitive duplicates keeping the first spelling, and checks limits.
func NormalizeTags(tags []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			return nil, Invalidf("tags", "tags must not be empty")
		}
		if utf8.RuneCountInString(t) > MaxTagLen || !utf8.ValidString(t) {
			return nil, Invalidf("tags", "tag %q is longer than %d characters", t, MaxTagLen)
		}
		if k := TagKey(t); !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	if len(out) > MaxTagsPer {
		return nil, Invalidf("tags", "at most %d tags per element", MaxTagsPer)
	}
	return out, nil
}

// Bulk actions.
const (
	BulkTag    = "tag"
	BulkUntag  = "untag"
	BulkLock   = "lock"
	BulkUnlock = "unlock"
)

// Bulk applies one action to every shot of a selection.
type Bulk struct {
	Selection Selection `json:"selection"`
	Action    string    `json:"action" enum:"tag,untag,lock,unlock"`
	Tag       string    `json:"tag,omitempty" maxLength:"50"`
	Reason    string    `json:"reason,omitempty" maxLength:"1000"`
}

// Validate checks the action and its argument.
func (b Bulk) Validate() error {
	if err := b.Selection.Validate(); err != nil {
		return err
	}
	switch b.Action {
	case BulkTag, BulkUntag:
		if _, err := NormalizeTags([]string{b.Tag}); err != nil {
			return Invalidf("tag", "action %s needs a tag of 1-%d characters", b.Action, MaxTagLen)
		}
	case BulkLock:
		return LockInput{Reason: b.Reason}.Validate()
	case BulkUnlock:
	default:
		return Invalidf("action", "action %q is not one of tag, untag, lock, unlock", b.Action)
	}
	return nil
}

// BulkResult tells how many shots were selected and how many changed.
type BulkResult struct {
	Action   string   `json:"action"`
	Selected int      `json:"selected"`
	Changed  int      `json:"changed"`
	ShotIDs  []string `json:"shot_ids"`
}

// ContainsTag reports whether tags holds t, ignoring case.
func ContainsTag(tags []string, t string) bool {
	k := TagKey(t)
	return slices.ContainsFunc(tags, func(x string) bool { return TagKey(x) == k })
}
