package slate_test

import (
	"testing"

	"slate"
)

func TestEventAccessSees(t *testing.T) {
	t.Parallel()
	ev := func(project string, scope slate.EventScope) slate.ScopedEvent {
		return slate.ScopedEvent{Event: &slate.Event{ID: "evt_1", ProjectID: project}, Scope: scope}
	}
	owner := &slate.EventAccess{Perms: slate.NewPermissions(slate.PermOwner)}
	named := &slate.EventAccess{Perms: slate.NewPermissions(slate.PermModify), Named: map[string]bool{"prj_secret": true}}
	viewer := &slate.EventAccess{Perms: slate.NewPermissions()}
	for _, tc := range []struct {
		name  string
		event slate.ScopedEvent
		// want is what the owner, the named member, the plain viewer and a
		// non-member see.
		want [4]bool
	}{
		{"no project", ev("", slate.ScopeOrg), [4]bool{true, true, true, false}},
		{"open project", ev("prj_open", slate.ScopeOrg), [4]bool{true, true, true, false}},
		{"restricted, named", ev("prj_secret", slate.ScopeRestricted), [4]bool{true, true, false, false}},
		{"restricted, other", ev("prj_other", slate.ScopeRestricted), [4]bool{true, false, false, false}},
		{"deleted project", ev("prj_secret", slate.ScopeDeleted), [4]bool{true, false, false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for i, a := range []*slate.EventAccess{owner, named, viewer, nil} {
				if got := a.Sees(tc.event); got != tc.want[i] {
					t.Errorf("holder %d sees = %v, want %v", i, got, tc.want[i])
				}
			}
		})
	}
}
