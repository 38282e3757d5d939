package payment_test

import (
	"context"
	"testing"

	"slate"
	"slate/payment"
)

func TestGrant(t *testing.T) {
	t.Parallel()
	r, err := payment.Grant{}.Pay(context.Background(), slate.PaymentRequest{OrgID: "org_1", Key: "org_1:order-7",
		Pack: slate.CreditPack{Name: "pack-5k", Credits: 5_000}})
	if err != nil || r.Provider != "grant" || r.Reference != "grant:org_1:order-7" {
		t.Fatalf("Pay = %+v, %v", r, err)
	}
	if _, err := (payment.Grant{}).Pay(context.Background(), slate.PaymentRequest{OrgID: "org_1"}); slate.ErrorCode(err) != slate.EINVALID {
		t.Fatalf("a payment without a key: %v", err)
	}
}
