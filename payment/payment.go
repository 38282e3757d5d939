// Package payment holds Slate's payment providers. Self-hosted Slate sells
// credit packs without a card processor: the operator's own organisation
// grants them, and Grant records that grant as the payment. A card processor
// implements the same slate.PaymentProvider.
package payment

import (
	"context"

	"slate"
)

// Grant is the built-in provider: it takes no money and returns a receipt
// naming the purchase key, so the ledger shows who granted which pack. Only
// members with the billing permission reach it.
type Grant struct{}

var _ slate.PaymentProvider = Grant{}

// Pay records the grant.
func (Grant) Pay(_ context.Context, req slate.PaymentRequest) (slate.PaymentReceipt, error) {
	if req.Key == "" {
		return slate.PaymentReceipt{}, slate.Invalidf("key", "a payment needs its purchase key")
	}
	return slate.PaymentReceipt{Provider: "grant", Reference: "grant:" + req.Key}, nil
}
