package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"slate"
)

// ledgerCommand is the operator's check that every stored balance equals
// the sum of its ledger entries. It opens the database itself, like serve,
// because it answers for the whole server, not for one member's orgs.
func (a *app) ledgerCommand() *cobra.Command {
	var o dbOptions
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every balance from its ledger entries and report differences",
		Long: "Recompute every organisation's balance from its ledger entries and report any\n" +
			"difference. Opens the database directly (same --db/--data defaults as serve);\n" +
			"exits 1 when a balance differs.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.verifyLedger(cmd.Context(), o) },
	}
	dbFlags(verify.Flags(), &o)
	return group("ledger", "Check the credit ledger (operators)", verify)
}

// errMismatch is returned once the mismatches are printed, so the command
// exits 1 with a one-line summary under the table.
var errMismatch = errors.New("the ledger does not match the stored balances")

func (a *app) verifyLedger(ctx context.Context, o dbOptions) error {
	o.resolve()
	// Verifying must not create an empty database where none was.
	if path, ok := strings.CutPrefix(o.dsn, "sqlite:"); ok {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no database at %s: pass --db or --data", path)
		}
	}
	db, err := o.open(ctx, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	n, bad, err := db.VerifyLedger(ctx)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		if err := a.emit(bad, func(t table) { mismatchRows(t, bad) }); err != nil {
			return err
		}
		return errMismatch
	}
	return a.emit(map[string]any{"ok": true, "organisations": n}, func(t table) {
		noun := "organisations"
		if n == 1 {
			noun = "organisation"
		}
		t.row(fmt.Sprintf("ledger ok: %d %s", n, noun))
	})
}

func mismatchRows(t table, bad []slate.LedgerMismatch) {
	t.row("ORGANISATION", "", "MONTHLY", "ROLLOVER", "PURCHASED", "HELD", "AVAILABLE")
	for _, m := range bad {
		for _, b := range []struct {
			name string
			c    slate.Credits
		}{{"stored", m.Stored}, {"entries", m.Summed}} {
			t.row(m.OrgID, b.name, b.c.Monthly, b.c.Rollover, b.c.Purchased, b.c.Held, b.c.Available)
		}
		t.row(m.OrgID, "problem", m.Detail)
	}
}
