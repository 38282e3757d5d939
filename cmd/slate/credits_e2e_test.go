package main_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"slate"
)

// TestCLICredits drives credits through the binary only: balance, estimate,
// an upgrade, a pack, history, budgets, and the operator's ledger check on
// the server's own database.
func TestCLICredits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "slate.db")
	srv := startServer(t, dir)
	ada := newCLI(t, "ada")
	ada.ok("signup", "--server", srv.URL, "--email", "ada@example.test", "--password", "correct horse battery", "--name", "Ada")

	org := ada.id("org", "create", "Harbour Films", "--plan", "standard")
	mustContain(t, "credits", ada.ok("credits"), "standard", "33,000", "AVAILABLE")
	var cr slate.Credits
	ada.json(&cr, "credits")
	if cr.Plan != "standard" || cr.Monthly != 33_000 || cr.Available != 33_000 {
		t.Fatalf("credits = %+v, want the standard plan's 33,000", cr)
	}

	project := ada.id("project", "create", "The Lighthouse")
	act := ada.id("act", "add", "Arrival")
	scene := ada.id("scene", "add", act, "The Cliff Road")
	ada.id("shot", "add", scene, "Wide establishing", "--duration", "4s")
	ada.id("shot", "add", scene, "The keeper walks", "--duration", "2500ms")

	// The project's defaults, preview at draft: 4 + ceil(2.5) credits.
	mustContain(t, "estimate", ada.ok("estimate", project), "Wide establishing", "The keeper walks", "TOTAL", "BALANCE AFTER", "33,000")
	var q slate.Quote
	ada.json(&q, "estimate", project, "--tier", "high")
	if q.Total != 16+10 || len(q.Lines) != 2 || q.BalanceAfter != 33_000-26 || q.Draw.Monthly != 26 || q.ID == "" {
		t.Errorf("estimate at high = %+v, want 26 credits drawn from monthly", q)
	}
	ada.json(&q, "estimate", "--scene", scene, "--engine", "preview", "--tier", "standard")
	if q.Total != 4*2+5 || q.Engine != "preview" {
		t.Errorf("estimate of the current project's scene = %+v, want preview at standard", q)
	}
	// A hosted engine this server has not configured is refused, not quoted.
	if r := ada.run("estimate", "--scene", scene, "--engine", "veo-3.1"); r.code != 1 || !strings.Contains(r.stderr, "not configured") {
		t.Errorf("estimate on an unconfigured engine: exit %d, stderr %q; want 1 and not configured", r.code, r.stderr)
	}

	// No packs on standard: the refusal names the plan.
	if r := ada.run("credits", "buy", "pack-5k"); r.code != 1 || !strings.Contains(r.stderr, "plan_limit") {
		t.Errorf("buying on standard: exit %d, stderr %q; want 1 and plan_limit", r.code, r.stderr)
	}
	mustContain(t, "upgrade", ada.ok("plan", "set", "business"), "business", "180,000")
	ada.json(&cr, "credits")
	if cr.Plan != "business" || cr.Monthly != 180_000 || cr.Rollover != 33_000 {
		t.Errorf("after the upgrade = %+v, want business with standard's unused 33,000 rolled over", cr)
	}
	mustContain(t, "buy", ada.ok("credits", "buy", "pack-5k"), "pack-5k", "5,000")
	ada.json(&cr, "credits")
	if cr.Purchased != 5_000 || cr.Available != 180_000+33_000+5_000 {
		t.Errorf("after buying = %+v, want 5,000 purchased", cr)
	}
	history := ada.ok("credits", "history")
	mustContain(t, "history", history, "purchase", "+5,000", "credit pack pack-5k", "allocation", "BALANCE AFTER")
	var page slate.Page[*slate.Transaction]
	ada.json(&page, "credits", "history", "--kind", "purchase", "--all", "--limit", "1")
	if len(page.Items) != 1 || page.Items[0].Amount != 5_000 {
		t.Errorf("purchase history = %+v, want the one purchase", page.Items)
	}
	ada.json(&page, "credits", "history", "--all", "--limit", "1")
	if len(page.Items) < 3 || page.NextCursor != "" {
		t.Errorf("history --all = %d entries, cursor %q; want every entry", len(page.Items), page.NextCursor)
	}

	mustContain(t, "forecast", ada.ok("credits", "forecast"), "PROJECTED AT PERIOD END", "218,000")
	mustContain(t, "packs", ada.ok("credits", "packs"), "pack-5k", "pack-100k", "800.00")
	mustContain(t, "plans", ada.ok("plans"), "enterprise", "1,000,000", "none")
	mustContain(t, "price book", ada.ok("price-book"), "price book version 1", "veo-3.1", "4k")

	mustContain(t, "budget set", ada.ok("budget", "set", "--alert-percent", "50,80", "--cap", "100000",
		"--member", "ada@example.test=2000"), "50, 80", "100,000", "LIMIT OF ada@example.test", "2,000")
	mustContain(t, "budget", ada.ok("budget", "set", "--no-cap", "--member", "ada@example.test=", "--alert-below", "1000"), "50, 80")
	var b slate.Budget
	ada.json(&b, "budget")
	if b.MonthlySpendCap != nil || len(b.MemberLimits) != 0 || len(b.AlertPercentUsed) != 2 || len(b.AlertAvailableBelow) != 1 {
		t.Errorf("budget = %+v, want the alerts kept and the cap and limit gone", b)
	}
	ada.json(&b, "budget", "set", "--alert-percent", "none")
	if len(b.AlertPercentUsed) != 0 || len(b.AlertAvailableBelow) != 1 {
		t.Errorf("budget without percent alerts = %+v, want only the available alert", b)
	}
	b = slate.Budget{}
	ada.json(&b, "budget", "set", "--clear")
	if len(b.AlertPercentUsed) != 0 || len(b.AlertAvailableBelow) != 0 {
		t.Errorf("budget after --clear = %+v, want empty", b)
	}

	var pb slate.ProjectBudget
	ada.json(&pb, "project", "budget", project, "--set", "500")
	if pb.Budget == nil || *pb.Budget != 500 {
		t.Errorf("project budget = %+v, want 500", pb)
	}
	ada.json(&pb, "project", "budget", "--clear")
	if pb.Budget != nil {
		t.Errorf("cleared project budget = %+v", pb)
	}
	if r := ada.run("project", "budget", "--set", "5", "--clear"); r.code != 2 {
		t.Errorf("--set with --clear: exit %d, want 2", r.code)
	}

	mustContain(t, "cancel", ada.ok("plan", "cancel"), "CANCELS")
	mustContain(t, "ledger verify", ada.ok("ledger", "verify", "--db", dsn), "ledger ok: 1 organisation")
	srv.stop(t)

	// A balance that no longer matches its entries fails the check.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "slate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE balances SET purchased = purchased + 1 WHERE org_id = ?`, org); err != nil {
		t.Fatal(err)
	}
	r := ada.run("ledger", "verify", "--data", dir)
	if r.code != 1 || !strings.Contains(r.stdout, org) || !strings.Contains(r.stdout, "differs") {
		t.Errorf("verify of a broken ledger: exit %d, stdout %q, stderr %q; want 1 naming the org", r.code, r.stdout, r.stderr)
	}
	if r := ada.run("ledger", "verify", "--data", t.TempDir()); r.code != 1 || !strings.Contains(r.stderr, "no database") {
		t.Errorf("verify without a database: exit %d, stderr %q", r.code, r.stderr)
	}
}
