package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"slate"
)

// TestStatusOfCodes: every domain code has its one status, and a bare status
// names the general code of its family.
func TestStatusOfCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code   slate.Code
		status int
		bare   slate.Code // what codeOfStatus(status) names
	}{
		{slate.EINVALID, 400, slate.EINVALID},
		{slate.EUNAUTHENTICATED, 401, slate.EUNAUTHENTICATED},
		{slate.ECREDITS, 402, slate.ECREDITS},
		{slate.ESPENDCAP, 402, slate.ECREDITS},
		{slate.EFORBIDDEN, 403, slate.EFORBIDDEN},
		{slate.EPLAN, 403, slate.EFORBIDDEN},
		{slate.ENOTFOUND, 404, slate.ENOTFOUND},
		{slate.ECONFLICT, 409, slate.ECONFLICT},
		{slate.EAPPROVAL, 409, slate.ECONFLICT},
		{slate.EEXPIRED, 410, slate.EEXPIRED},
		{slate.ETOOLARGE, 413, slate.ETOOLARGE},
		{slate.ELOCKED, 423, slate.ELOCKED},
		{slate.ERATELIMITED, 429, slate.ERATELIMITED},
		{slate.EINTERNAL, 500, slate.EINTERNAL},
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			t.Parallel()
			if got := Status(tc.code); got != tc.status {
				t.Errorf("Status(%s) = %d, want %d", tc.code, got, tc.status)
			}
			if got := codeOfStatus(tc.status); got != tc.bare {
				t.Errorf("codeOfStatus(%d) = %s, want %s", tc.status, got, tc.bare)
			}
		})
	}
}

// TestProblemCarriesShortfall: a 402 names what is missing and the remedies,
// best first; other problems do not carry them.
func TestProblemCarriesShortfall(t *testing.T) {
	t.Parallel()
	remedies := []slate.Remedy{{Kind: "tier", Tier: "draft", Cost: 480}, {Kind: "plan", Plan: "community", Credits: 8_000}}
	for _, tc := range []struct {
		name      string
		err       error
		status    int
		shortfall int64
		remedies  int // -1: no remedies field at all
	}{
		{"insufficient", slate.Insufficient(1_120, remedies), 402, 1_120, 2},
		{"no remedy is an empty list", slate.Insufficient(7, nil), 402, 7, 0},
		{"spend cap", slate.Errorf(slate.ESPENDCAP, "over the cap"), 402, 0, -1},
		{"extras ignored elsewhere", &slate.Error{Code: slate.ECONFLICT, Message: "x", Shortfall: 5, Remedies: remedies}, 409, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := problemFor(context.Background(), tc.err)
			got := -1
			if p.Remedies != nil {
				got = len(*p.Remedies)
			}
			if p.Status != tc.status || p.Shortfall != tc.shortfall || got != tc.remedies {
				t.Fatalf("problem = %+v, want status %d shortfall %d and %d remedies", p, tc.status, tc.shortfall, tc.remedies)
			}
			body, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			var wire map[string]any
			if err := json.Unmarshal(body, &wire); err != nil {
				t.Fatal(err)
			}
			_, hasShort := wire["shortfall"]
			_, hasRemedies := wire["remedies"]
			if hasShort != (tc.shortfall > 0) || hasRemedies != (tc.remedies >= 0) {
				t.Errorf("body %s: shortfall present %v, remedies present %v", body, hasShort, hasRemedies)
			}
			if tc.remedies > 0 && p.Status == http.StatusPaymentRequired && (*p.Remedies)[0] != remedies[0] {
				t.Errorf("first remedy %+v, want %+v", (*p.Remedies)[0], remedies[0])
			}
		})
	}
}
