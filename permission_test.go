package slate_test

import (
	"errors"
	"reflect"
	"testing"

	"slate"
)

func TestPermissions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		held  []slate.Permission
		check slate.Permission
		want  bool
	}{
		{"every member reads", nil, slate.PermRead, true},
		{"checkboxes are not a ladder", []slate.Permission{slate.PermBilling}, slate.PermModify, false},
		{"run_ai does not spend", []slate.Permission{slate.PermRunAI}, slate.PermUseCredits, false},
		{"held permission", []slate.Permission{slate.PermUseCredits}, slate.PermUseCredits, true},
		{"owner implies all", []slate.Permission{slate.PermOwner}, slate.PermBilling, true},
	}
	for _, tt := range tests {
		if got := slate.NewPermissions(tt.held...).Has(tt.check); got != tt.want {
			t.Errorf("%s: Has(%s) = %v, want %v", tt.name, tt.check, got, tt.want)
		}
	}
}

func TestParsePermissions(t *testing.T) {
	t.Parallel()
	p, err := slate.ParsePermissions([]slate.Permission{"owner", "modify"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Strings(), []string{"read", "modify", "owner"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Strings() = %v, want %v (canonical order, read added)", got, want)
	}
	if _, err := slate.ParsePermissions([]slate.Permission{"admin"}); slate.ErrorCode(err) != slate.EINVALID {
		t.Errorf("unknown permission: got %v, want invalid", err)
	}
}

func TestRequireNamesMissingPermission(t *testing.T) {
	t.Parallel()
	err := slate.NewPermissions(slate.PermModify).Require(slate.PermModify, slate.PermUseCredits)
	var e *slate.Error
	if !errors.As(err, &e) || e.Code != slate.EFORBIDDEN || e.MissingPermission != slate.PermUseCredits {
		t.Fatalf("Require = %v, want forbidden naming use_credits", err)
	}
}
