package web

import (
	"testing"

	"slate"
	"slate/pricing"
)

func TestPlanOptions(t *testing.T) {
	t.Parallel()
	plans := pricing.DefaultPlans() // free, community, standard, business, enterprise
	for _, tc := range []struct {
		name    string
		credits slate.Credits
		want    []string
	}{
		{"standard, nothing pending", slate.Credits{Plan: "standard"},
			[]string{"downgrade", "downgrade", "current", "upgrade", "upgrade"}},
		{"downgrade to free pending", slate.Credits{Plan: "standard", PendingPlan: "free"},
			[]string{"pending", "downgrade", "keep", "upgrade", "upgrade"}},
		{"cancel pending", slate.Credits{Plan: "business", CancelAtPeriodEnd: true},
			[]string{"downgrade", "downgrade", "downgrade", "keep", "upgrade"}},
		{"cancelled and ended", slate.Credits{Plan: "business", Cancelled: true},
			[]string{"start", "start", "start", "start", "start"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := planOptions(plans, &tc.credits, Can{Billing: true})
			if len(got) != len(tc.want) {
				t.Fatalf("got %d options, want %d", len(got), len(tc.want))
			}
			for i, o := range got {
				if o.Action != tc.want[i] || !o.Allowed {
					t.Errorf("%s: action %q allowed %v, want %q allowed", o.Plan.Name, o.Action, o.Allowed, tc.want[i])
				}
			}
		})
	}
}
