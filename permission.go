package slate

import "sort"

// Permission is one of the six checkboxes a member holds. They are not a
// ladder: billing does not imply modify, and so on. Only owner implies all.
type Permission string

const (
	PermRead       Permission = "read"
	PermModify     Permission = "modify"
	PermRunAI      Permission = "run_ai"
	PermUseCredits Permission = "use_credits"
	PermBilling    Permission = "billing"
	PermOwner      Permission = "owner"
)

// AllPermissions lists the permissions in their canonical order.
var AllPermissions = []Permission{PermRead, PermModify, PermRunAI, PermUseCredits, PermBilling, PermOwner}

func (p Permission) bit() Permissions {
	for i, q := range AllPermissions {
		if p == q {
			return 1 << i
		}
	}
	return 0
}

// Permissions is a set of Permission. Every member holds read.
type Permissions uint8

// NewPermissions returns the set holding ps and read.
func NewPermissions(ps ...Permission) Permissions {
	s := PermRead.bit()
	for _, p := range ps {
		s |= p.bit()
	}
	return s
}

// ParsePermissions turns names into a set, refusing unknown names. Read is
// always added: a member without read would be no member at all.
func ParsePermissions(names []Permission) (Permissions, error) {
	s := PermRead.bit()
	for _, n := range names {
		b := n.bit()
		if b == 0 {
			return 0, Invalidf("permissions", "unknown permission %q (want one of read, modify, run_ai, use_credits, billing, owner)", n)
		}
		s |= b
	}
	return s, nil
}

// Has reports whether the set allows p. Owner allows everything.
func (s Permissions) Has(p Permission) bool {
	if s&PermOwner.bit() != 0 {
		return true
	}
	return s&p.bit() != 0
}

// Holds reports whether p itself is in the set, ignoring what owner implies.
func (s Permissions) Holds(p Permission) bool { return s&p.bit() != 0 }

// List returns the held permissions in canonical order.
func (s Permissions) List() []Permission {
	var out []Permission
	for _, p := range AllPermissions {
		if s.Holds(p) {
			out = append(out, p)
		}
	}
	return out
}

// Strings returns the held permissions' names, sorted canonically.
func (s Permissions) Strings() []string {
	out := []string{}
	for _, p := range s.List() {
		out = append(out, string(p))
	}
	return out
}

// Require returns the 403 for the first permission of ps that s lacks.
func (s Permissions) Require(ps ...Permission) error {
	for _, p := range ps {
		if !s.Has(p) {
			return Forbidden(p)
		}
	}
	return nil
}

// SortPermissionNames sorts names canonically; unknown names go last.
func SortPermissionNames(names []string) {
	rank := func(n string) int {
		for i, p := range AllPermissions {
			if string(p) == n {
				return i
			}
		}
		return len(AllPermissions)
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
}
