package ledger_test

import (
	"reflect"
	"testing"

	"slate"
	"slate/ledger"
	"slate/pricing"
)

func TestRemedies(t *testing.T) {
	t.Parallel()
	costs := map[string]int64{"draft": 1_000, "standard": 2_000, "high": 4_000, "4k": 8_000}
	order := []string{"draft", "standard", "high", "4k"}
	tests := []struct {
		name    string
		plan    string
		balance ledger.Balance
		tier    string
		want    []slate.Remedy
	}{
		{
			name:    "business: cheaper tier, then the smallest covering pack, then an upgrade",
			plan:    "business",
			balance: ledger.Balance{Monthly: 2_500},
			tier:    "high",
			want: []slate.Remedy{
				{Kind: "tier", Tier: "standard", Cost: 2_000},
				{Kind: "pack", Pack: "pack-5k", Credits: 5_000},
				{Kind: "plan", Plan: "enterprise", Credits: 1_000_000},
			},
		},
		{
			name:    "free plan sells no packs; community's allocation covers it",
			plan:    "free",
			balance: ledger.Balance{Monthly: 500},
			tier:    "draft",
			want: []slate.Remedy{
				{Kind: "plan", Plan: "community", Credits: 8_000},
			},
		},
		{
			name:    "held credits count against what is available",
			plan:    "standard",
			balance: ledger.Balance{Monthly: 33_000, Held: 30_000},
			tier:    "high",
			want: []slate.Remedy{
				{Kind: "tier", Tier: "standard", Cost: 2_000},
				{Kind: "plan", Plan: "business", Credits: 180_000},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ledger.Remedies(ledger.Shortage{
				Balance: tt.balance, Plan: plan(t, tt.plan), Tier: tt.tier, TierCosts: costs, TierOrder: order,
				Plans: pricing.DefaultPlans(), Packs: pricing.DefaultPacks(),
			})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("remedies = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
