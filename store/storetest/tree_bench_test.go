package storetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"slate"
	"slate/store/storetest"
)

// The benchmark project: 10 acts × 20 scenes × 50 shots = 10,000 shots.
// Every scene carries one of five tags, every shot "coverage", and the shots
// of the first three acts "night" too.
const (
	benchActs, benchScenes, benchShots = 10, 20, 50
	benchTotal                         = benchActs * benchScenes * benchShots
)

type benchProject struct {
	env *storetest.Env
	o   *storetest.Owner
}

// seedBench builds the benchmark project through the public API. Scenes
// fill in parallel: PostgreSQL serves them concurrently, SQLite queues them.
func seedBench(b *testing.B, be storetest.Backend) *benchProject {
	b.Helper()
	env := storetest.Open(b, be)
	o := env.NewOwner(b)
	db, ctx := env.DB, o.Ctx
	var scenes []string
	var night []string
	for i := range benchActs {
		a, err := db.CreateAct(ctx, o.Project.ID, slate.ActInput{Name: fmt.Sprintf("Act %d", i+1)})
		if err != nil {
			b.Fatal(err)
		}
		if i < 3 {
			night = append(night, a.ID)
		}
		for j := range benchScenes {
			sc, err := db.CreateScene(ctx, a.ID, slate.SceneInput{Name: fmt.Sprintf("Scene %d.%d", i+1, j+1), Location: "harbour"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.SetTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: sc.ID}, []string{fmt.Sprintf("group %d", j%5)}); err != nil {
				b.Fatal(err)
			}
			scenes = append(scenes, sc.ID)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(scenes))
	sem := make(chan struct{}, 16)
	for _, id := range scenes {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for n := range benchShots {
				_, err := db.CreateShot(ctx, id, slate.ShotInput{
					Name: fmt.Sprintf("Shot %d", n+1), DurationMS: 4000,
					Prompt:   "A lighthouse keeper climbs the spiral stairs as the storm rolls in, lantern swinging",
					Camera:   &slate.Camera{ShotType: "wide", Angle: "low", Movement: "dolly in", Lens: "35mm"},
					Engine:   []string{"", "veo-3.1"}[n%2],
					Position: 0,
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for _, in := range []slate.Bulk{
		{Selection: slate.Selection{All: true}, Action: slate.BulkTag, Tag: "coverage"},
		{Selection: slate.Selection{Acts: night}, Action: slate.BulkTag, Tag: "night"},
	} {
		if _, err := db.Bulk(ctx, o.Project.ID, in); err != nil {
			b.Fatal(err)
		}
	}
	return &benchProject{env: env, o: o}
}

// eachBenchBackend seeds a project on every backend and runs fn as a
// sub-benchmark of it; seeding is not timed.
func eachBenchBackend(b *testing.B, fn func(b *testing.B, p *benchProject)) {
	for _, be := range storetest.Backends(b) {
		p := seedBench(b, be)
		b.Run(be.Name, func(b *testing.B) { fn(b, p) })
	}
}

func BenchmarkTree(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, p *benchProject) {
		for b.Loop() {
			tr, err := p.env.DB.Tree(p.o.Ctx, p.o.Project.ID)
			if err != nil {
				b.Fatal(err)
			}
			if n := len(tr.Acts) * len(tr.Acts[0].Scenes) * len(tr.Acts[0].Scenes[0].Shots); n != benchTotal {
				b.Fatalf("tree holds %d shots", n)
			}
		}
	})
}

func BenchmarkResolveSelection(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, p *benchProject) {
		for _, tc := range []struct {
			name string
			sel  slate.Selection
			want int
		}{
			{"all", slate.Selection{All: true}, benchTotal},
			{"tag=coverage", slate.Selection{Tags: []string{"Coverage"}}, benchTotal},
			{"tag=night", slate.Selection{Tags: []string{"night"}}, 3 * benchScenes * benchShots},
		} {
			b.Run(tc.name, func(b *testing.B) {
				for b.Loop() {
					shots, err := p.env.DB.ResolveSelection(p.o.Ctx, p.o.Project.ID, tc.sel)
					if err != nil {
						b.Fatal(err)
					}
					if len(shots) != tc.want {
						b.Fatalf("selected %d shots, want %d", len(shots), tc.want)
					}
				}
			})
		}
	})
}

// BenchmarkPlainRead is the floor the others are measured against: one
// indexed SELECT of the project's shot rows, the same columns the store
// reads, scanned into structs, with no access check, tags or ordering.
func BenchmarkPlainRead(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, p *benchProject) {
		db := openBenchRaw(b, p.env.DSN)
		for b.Loop() {
			shots, err := plainReadShots(context.Background(), db, p.o.Project.ID)
			if err != nil {
				b.Fatal(err)
			}
			if len(shots) != benchTotal {
				b.Fatalf("read %d shots", len(shots))
			}
		}
	})
}

func openBenchRaw(b *testing.B, dsn string) *sql.DB {
	driver := "pgx"
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func plainReadShots(ctx context.Context, db *sql.DB, projectID string) ([]*slate.Shot, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, project_id, act_id, scene_id, name, position, duration_ms, prompt,
		negative_prompt, seed, shot_type, angle, movement, lens, engine, tier, review_status, review_note,
		selected_take_id, locked_by, locked_at, lock_reason, created_at, updated_at
		FROM shots WHERE project_id = $1`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*slate.Shot
	for rows.Next() {
		sh := &slate.Shot{}
		var seed, lockedAt sql.NullInt64
		var take, lockedBy, reason sql.NullString
		var created, updated int64
		c := &sh.Camera
		if err := rows.Scan(&sh.ID, &sh.ProjectID, &sh.ActID, &sh.SceneID, &sh.Name, &sh.Position, &sh.DurationMS,
			&sh.Prompt, &sh.NegativePrompt, &seed, &c.ShotType, &c.Angle, &c.Movement, &c.Lens, &sh.Engine, &sh.Tier,
			&sh.ReviewStatus, &sh.ReviewNote, &take, &lockedBy, &lockedAt, &reason, &created, &updated); err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}
