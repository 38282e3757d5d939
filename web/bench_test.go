package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/session"
	"slate/store/storetest"
)

// The benchmark project: 10 acts × 20 scenes × 50 shots = 10,000 shots, as
// in store/storetest's tree benchmarks.
const (
	benchActs, benchScenes, benchShots = 10, 20, 50
	benchTotal                         = benchActs * benchScenes * benchShots
)

// benchProject is a signed-in owner's 10,000-shot project behind the web
// app's handler (which serves the API too).
type benchProject struct {
	handler http.Handler
	cookie  *http.Cookie
	project string
	// seeded is how long building the project took.
	seeded time.Duration
}

var (
	benchLocations = []string{"Harbour wall", "Lamp room", "Keeper's cottage", "Cliff road", "Boathouse"}
	benchTimes     = []string{"dawn", "day", "dusk", "night"}
	benchCameras   = []slate.Camera{
		{ShotType: "extreme wide", Angle: "high", Movement: "slow drone push-in", Lens: "24mm"},
		{ShotType: "wide", Angle: "eye level", Movement: "tracking", Lens: "35mm"},
		{ShotType: "medium", Angle: "eye level", Movement: "dolly in", Lens: "50mm"},
		{ShotType: "close-up", Angle: "low", Movement: "static", Lens: "85mm"},
		{ShotType: "insert", Angle: "top down", Movement: "handheld", Lens: "100mm macro"},
	}
	benchSubjects = []string{"the keeper", "the lantern", "the logbook", "the supply boat", "the storm"}
)

// benchPrompt is a prompt of about 200 characters, different for each shot.
func benchPrompt(a, s, n int) string {
	return fmt.Sprintf("Act %d, scene %d, shot %d: %s in the %s at %s, rain streaking across the frame, "+
		"the beam of the lighthouse sweeping through low cloud, cold blue light, film grain, anamorphic flare",
		a+1, s+1, n+1, benchSubjects[n%len(benchSubjects)], strings.ToLower(benchLocations[s%len(benchLocations)]),
		benchTimes[(a+s)%len(benchTimes)])
}

// seedBenchProject builds the benchmark project through the store's
// services, as its owner would: acts and scenes one by one, the shots of
// each scene from a goroutine of their own (16 at once), then tags and
// locks. Every scene carries a location tag, every shot "coverage", the
// shots of the first three acts "night", one shot in 25 "hero"; one scene
// and 20 shots are locked with a reason and 100 shots are flagged in review.
func seedBenchProject(b *testing.B) *benchProject {
	b.Helper()
	start := time.Now()
	env := storetest.Open(b, storetest.Backend{Name: "sqlite", DSN: func(t testing.TB) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "slate.db")
	}})
	o := env.NewOwner(b)
	db, ctx := env.DB, o.Ctx
	var scenes []string
	var night []string
	for a := range benchActs {
		act, err := db.CreateAct(ctx, o.Project.ID, slate.ActInput{Name: fmt.Sprintf("Act %d", a+1),
			Description: "The storm builds over the harbour and the keeper's nerve is tested."})
		if err != nil {
			b.Fatal(err)
		}
		if a < 3 {
			night = append(night, act.ID)
		}
		for s := range benchScenes {
			sc, err := db.CreateScene(ctx, act.ID, slate.SceneInput{
				Name:     fmt.Sprintf("%d.%d %s", a+1, s+1, benchLocations[s%len(benchLocations)]),
				Location: benchLocations[s%len(benchLocations)], TimeOfDay: benchTimes[(a+s)%len(benchTimes)],
				Description: "The keeper works through the night as the weather closes in."})
			if err != nil {
				b.Fatal(err)
			}
			tag := strings.ToLower(strings.ReplaceAll(benchLocations[s%len(benchLocations)], " ", "-"))
			if _, err := db.SetTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: sc.ID}, []string{tag}); err != nil {
				b.Fatal(err)
			}
			scenes = append(scenes, sc.ID)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(scenes))
	sem := make(chan struct{}, 16)
	var mu sync.Mutex
	var hero, locked, flagged []string
	for i, id := range scenes {
		a, s := i/benchScenes, i%benchScenes
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for n := range benchShots {
				cam := benchCameras[n%len(benchCameras)]
				sh, err := db.CreateShot(ctx, id, slate.ShotInput{
					Name:       fmt.Sprintf("%d.%d.%d %s on %s", a+1, s+1, n+1, cam.ShotType, benchSubjects[n%len(benchSubjects)]),
					DurationMS: int64(2000 + 500*(n%9)),
					Prompt:     benchPrompt(a, s, n),
					Camera:     &cam,
					Engine:     []string{"", "veo-3.1", "", "wan-2.1"}[n%4],
					Tier:       []string{"", "", "high"}[n%3],
				})
				if err != nil {
					errs <- err
					return
				}
				k := (i*benchShots + n)
				mu.Lock()
				if k%25 == 0 {
					hero = append(hero, sh.ID)
				}
				if k%500 == 7 {
					locked = append(locked, sh.ID)
				}
				if k%100 == 3 {
					flagged = append(flagged, sh.ID)
				}
				mu.Unlock()
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
		{Selection: slate.Selection{Shots: hero}, Action: slate.BulkTag, Tag: "hero"},
		{Selection: slate.Selection{Shots: locked}, Action: slate.BulkLock, Reason: "picture locked for the cut"},
		{Selection: slate.Selection{Scenes: scenes[len(scenes)-1:]}, Action: slate.BulkLock, Reason: "client approved"},
	} {
		if _, err := db.Bulk(ctx, o.Project.ID, in); err != nil {
			b.Fatal(err)
		}
	}
	for _, id := range flagged {
		if _, err := db.SetReview(ctx, id, slate.Review{Status: slate.ReviewFlagged, Note: "the horizon tilts; reframe"}); err != nil {
			b.Fatal(err)
		}
	}
	tok, _, err := db.Login(context.Background(), o.User.Email, "correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	c := session.Cookie(tok.Secret, time.Time{}, false)
	return &benchProject{handler: newApp(b, env), cookie: &c, project: o.Project.ID, seeded: time.Since(start)}
}

// serve answers one GET with the session cookie, straight from the handler:
// server time only, no network.
func (p *benchProject) serve(b *testing.B, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(p.cookie)
	w := httptest.NewRecorder()
	p.handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %.300s", path, w.Code, w.Body)
	}
	return w
}

// BenchmarkProject measures the server time of the project page of a
// 10,000-shot project (page) against the JSON tree of the same project
// (json), in one run, through the same handler and the same session-cookie
// sign-in. scripts/bench-web reports the ratio page ÷ json.
func BenchmarkProject(b *testing.B) {
	p := seedBenchProject(b)
	b.Logf("seeded %d shots in %s", benchTotal, p.seeded.Round(time.Millisecond))
	for _, tc := range []struct {
		name, path, want string
	}{
		{"page", "/projects/" + p.project, `<script src="/static/app.js"`},
		{"json", "/api/v1/projects/" + p.project + "/tree", `"acts":`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			w := p.serve(b, tc.path)
			if n := strings.Count(w.Body.String(), `data-shot=`); tc.name == "page" && n != benchTotal {
				b.Fatalf("the page shows %d shots, want %d", n, benchTotal)
			}
			if !strings.Contains(w.Body.String(), tc.want) {
				b.Fatalf("GET %s does not hold %q", tc.path, tc.want)
			}
			size := w.Body.Len()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p.serve(b, tc.path)
			}
			b.ReportMetric(float64(size), "body-B")
		})
	}
}
