package storetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"slate"
	"slate/store/storetest"
)

// Credit benchmarks. They run only under `go test -bench`; their setup lives
// inside the benchmark functions, so the normal test run never pays for it.
//
//	go test ./store/storetest -run '^$' -bench 'HoldSettle|BalanceRead|Estimate' -benchtime 2s
//
// BenchmarkHoldSettle's baseline-* sub-benchmarks are the floor the credit
// path is measured against: one bare transaction that inserts a row and
// updates a row, on a connection pool set up as the store's writer is.

// holdSettleParallelism is goroutines per GOMAXPROCS in the parallel
// benchmarks: enough writers to queue on one organisation's balance row.
const holdSettleParallelism = 8

const benchOrgs = 100

func BenchmarkHoldSettle(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		env := storetest.Open(b, be)
		_, ctx := env.NewUser(b, "producer")
		orgs := make([]*creditsOrgB, benchOrgs)
		for i := range orgs {
			// Enterprise loads 1,000,000 credits: 200,000 iterations of 5.
			o := env.NewOrg(b, ctx, "enterprise")
			orgs[i] = &creditsOrgB{orgID: o.ID, project: env.NewProject(b, ctx, o.ID).ID}
		}
		raw := openWriterRaw(b, env.DSN)
		if err := createScratch(context.Background(), raw, benchOrgs); err != nil {
			b.Fatal(err)
		}
		var n atomic.Int64
		holdSettle := func(o *creditsOrgB) error {
			key := fmt.Sprintf("bench:%s:%d", o.orgID, n.Add(1))
			hs, err := env.DB.Hold(ctx, slate.HoldRequest{ProjectID: o.project, Items: []slate.HoldItem{{Key: key, Amount: 5}}})
			if err != nil {
				return err
			}
			_, err = env.DB.Settle(ctx, hs[0].ID, 5)
			return err
		}
		baseline := func(row int) error { return scratchTx(context.Background(), raw, n.Add(1), row) }
		b.Run(be.Name+"/one-org", func(b *testing.B) {
			b.SetParallelism(holdSettleParallelism)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := holdSettle(orgs[0]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run(be.Name+"/100-orgs", func(b *testing.B) {
			var next atomic.Int64
			b.SetParallelism(holdSettleParallelism)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := holdSettle(orgs[next.Add(1)%benchOrgs]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run(be.Name+"/baseline-one-row", func(b *testing.B) {
			b.SetParallelism(holdSettleParallelism)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := baseline(0); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run(be.Name+"/baseline-100-rows", func(b *testing.B) {
			var next atomic.Int64
			b.SetParallelism(holdSettleParallelism)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := baseline(int(next.Add(1) % benchOrgs)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		verifyLedgerB(b, env)
	}
}

type creditsOrgB struct{ orgID, project string }

// openWriterRaw opens env's database as the store opens its writer: on
// SQLite one connection with the same pragmas and BEGIN IMMEDIATE, on
// PostgreSQL a pool of the same size.
func openWriterRaw(b *testing.B, dsn string) *sql.DB {
	b.Helper()
	driver, max := "pgx", 32
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, max = "sqlite", 1
		dsn = "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=synchronous(NORMAL)&_txlock=immediate"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(max)
	db.SetMaxIdleConns(max)
	b.Cleanup(func() { db.Close() })
	return db
}

// createScratch makes the baseline's tables: a log that gets one row per
// transaction and rows counters that each transaction bumps one of.
func createScratch(ctx context.Context, db *sql.DB, rows int) error {
	for _, q := range []string{
		`CREATE TABLE bench_scratch_log (id TEXT PRIMARY KEY, row_id BIGINT NOT NULL, amount BIGINT NOT NULL)`,
		`CREATE TABLE bench_scratch_rows (id BIGINT PRIMARY KEY, total BIGINT NOT NULL)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	for i := range rows {
		if _, err := db.ExecContext(ctx, `INSERT INTO bench_scratch_rows (id, total) VALUES ($1, 0)`, i); err != nil {
			return err
		}
	}
	return nil
}

// scratchTx is the baseline: one transaction inserting a row and updating
// a row.
func scratchTx(ctx context.Context, db *sql.DB, n int64, row int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO bench_scratch_log (id, row_id, amount) VALUES ($1, $2, 5)`,
		fmt.Sprintf("log_%d", n), row); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bench_scratch_rows SET total = total + 5 WHERE id = $1`, row); err != nil {
		return err
	}
	return tx.Commit()
}

func verifyLedgerB(b *testing.B, env *storetest.Env) {
	b.Helper()
	_, ms, err := env.DB.VerifyLedger(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if len(ms) > 0 {
		b.Fatalf("ledger mismatch: %+v", ms)
	}
}

// ledgerSizes are the ledger lengths the read benchmarks run at.
var ledgerSizes = []struct {
	name    string
	entries int64
}{{"entries=1k", 1_000}, {"entries=1M", 1_000_000}}

// growLedger appends filler entries to org's ledger with raw SQL until it
// holds entries, keeping the balance equal to the sum of its entries:
// alternating holds and releases of one credit, and an adjustment of one
// monthly credit when an odd count is needed. The balance row's entry count
// follows, so the next entry the store posts gets the next seq.
func growLedger(b *testing.B, env *storetest.Env, orgID string, entries int64) {
	b.Helper()
	ctx := context.Background()
	db := openBenchRaw(b, env.DSN)
	postgres := !strings.HasPrefix(env.DSN, "sqlite:")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	lock := ""
	if postgres {
		lock = " FOR UPDATE"
	}
	var n0, period, m, r, p, h int64
	if err := tx.QueryRowContext(ctx, `SELECT entries, period, monthly, rollover, purchased, held FROM balances
		WHERE org_id = $1`+lock, orgID).Scan(&n0, &period, &m, &r, &p, &h); err != nil {
		b.Fatal(err)
	}
	add := entries - n0
	if add <= 0 {
		return
	}
	pairs := add / 2 * 2
	at := env.Clock.Now().UnixMilli()
	series := fmt.Sprintf(`(WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < %d) SELECT k FROM s) AS s`, pairs)
	if postgres {
		series = fmt.Sprintf(`generate_series(1, %d) AS s(k)`, pairs)
	}
	// orgID is a store-made id ("org_" and a ULID): safe to inline.
	q := fmt.Sprintf(`INSERT INTO ledger_entries (id, org_id, seq, idem_key, kind, period, monthly, rollover, purchased,
		held, monthly_after, rollover_after, purchased_after, held_after, note, at)
		SELECT 'txn_bench_%[1]s_' || (%[2]d + k), '%[1]s', %[2]d + k, 'bench:%[1]s:' || (%[2]d + k),
			CASE WHEN k %% 2 = 1 THEN 'hold' ELSE 'release' END, %[3]d, 0, 0, 0,
			CASE WHEN k %% 2 = 1 THEN 1 ELSE -1 END, %[4]d, %[5]d, %[6]d, %[7]d + k %% 2, 'benchmark filler', %[8]d
		FROM %[9]s`, orgID, n0, period, m, r, p, h, at, series)
	if pairs > 0 {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			b.Fatalf("grow ledger: %v", err)
		}
	}
	extra := add - pairs
	if extra == 1 {
		seq := n0 + add
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_entries (id, org_id, seq, idem_key, kind, period, monthly,
			rollover, purchased, held, monthly_after, rollover_after, purchased_after, held_after, note, at)
			VALUES ($1, $2, $3, $4, 'adjustment', $5, 1, 0, 0, 0, $6, $7, $8, $9, 'benchmark filler', $10)`,
			fmt.Sprintf("txn_bench_%s_%d", orgID, seq), orgID, seq, fmt.Sprintf("bench:%s:%d", orgID, seq), period,
			m+1, r, p, h, at); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE balances SET entries = $2, monthly = monthly + $3 WHERE org_id = $1`,
		orgID, entries, extra); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if postgres {
		if _, err := db.ExecContext(ctx, `ANALYZE ledger_entries`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBalanceRead reads an organisation's credits with 1,000 and
// 1,000,000 entries in its ledger.
func BenchmarkBalanceRead(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		env := storetest.Open(b, be)
		_, ctx := env.NewUser(b, "producer")
		org := env.NewOrg(b, ctx, "business")
		for _, size := range ledgerSizes {
			growLedger(b, env, org.ID, size.entries)
			// The store appends after the filler: a purchase takes the next seq.
			if _, err := env.DB.Purchase(ctx, org.ID, slate.PurchaseInput{Pack: "pack-5k", Key: size.name}); err != nil {
				b.Fatalf("purchase after growing the ledger: %v", err)
			}
			verifyLedgerB(b, env)
			b.Run(be.Name+"/"+size.name, func(b *testing.B) {
				for b.Loop() {
					c, err := env.DB.Credits(ctx, org.ID)
					if err != nil {
						b.Fatal(err)
					}
					if c.Monthly < 180_000 {
						b.Fatalf("credits %+v", c)
					}
				}
			})
		}
	}
}

// BenchmarkEstimate estimates every shot of a 10,000-shot project with
// 1,000 and 1,000,000 entries in its organisation's ledger.
func BenchmarkEstimate(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		p := seedBench(b, be)
		for _, size := range ledgerSizes {
			growLedger(b, p.env, p.o.Org.ID, size.entries)
			verifyLedgerB(b, p.env)
			b.Run(be.Name+"/"+size.name, func(b *testing.B) {
				for b.Loop() {
					q, err := p.env.DB.Estimate(p.o.Ctx, p.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}})
					if err != nil {
						b.Fatal(err)
					}
					if len(q.Lines) != benchTotal {
						b.Fatalf("quote has %d lines", len(q.Lines))
					}
				}
			})
		}
	}
}
