package main_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/clock"
	"slate/engine/runway/runwaytest"
	"slate/pricing"
	"slate/store"
	"slate/store/storetest"
)

// TestHostedRenderFromStartFrame renders a shot with Runway's gen4_turbo,
// which renders only from a start image, from the last frame of the shot
// before: the preview engine renders that shot in a `slate worker`, the
// next shot is given its take's last frame, and the worker takes the frame
// out with ffmpeg and sends it to Runway as the documented promptImage.
func TestHostedRenderFromStartFrame(t *testing.T) {
	t.Parallel()
	rw, err := runwaytest.New(runwaytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rw.Close)
	dir := t.TempDir()
	pricingFile := filepath.Join(dir, "pricing.json")
	body := fmt.Sprint(`{"price_book": {"tiers": [{"name":"draft","multiplier":1,"short_side":480},{"name":"standard","multiplier":2,"short_side":720},{"name":"high","multiplier":4,"short_side":1080},{"name":"4k","multiplier":8,"short_side":2160}], "engines": [{"name":"preview","credits_per_second":1},{"name":"gen4","credits_per_second":6}], "actions": {"script_per_run":50,"set_per_run":150,"speech_per_100_chars":2,"upscale_per_second_per_step":2}}}`)
	if err := os.WriteFile(pricingFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	enginesFile := filepath.Join(dir, "engines.json")
	if err := os.WriteFile(enginesFile, []byte(fmt.Sprintf(`{"engines": [{"name": "gen4", "adapter": "runway",
		"model": "gen4_turbo", "api_key_env": "RUNWAYML_API_SECRET", "base_url": %q, "poll_interval": "50ms"}]}`,
		rw.URL())), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := pricing.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	env := storetest.OpenWith(t, storetest.Backends(t)[0], func(o *store.Options) {
		o.Clock, o.Catalog = clock.System{}, c
		o.Engines = []string{"preview", "gen4"}
		o.Offers = []slate.EngineOffer{{Name: "gen4", Adapter: "runway", Model: "gen4_turbo", StartImage: slate.StartImageRequired}}
	})
	r := &queueRig{t: t, db: env.DB, dsn: env.DSN}
	ctx, p := r.org("business", 2, 4_000)
	tree, err := r.db.Tree(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	shots := tree.Acts[0].Scenes[0].Shots
	mediaDir := filepath.Join(dir, "media")
	startWorkerEnv(t, []string{"RUNWAYML_API_SECRET=" + runwaytest.DefaultKey}, r.dsn, mediaDir,
		"--engines", enginesFile, "--pricing", pricingFile, "--workers", "1")

	first, err := r.db.Submit(ctx, p.ID, slate.BatchInput{Selection: &slate.Selection{Shots: []string{shots[0].ID}}, Engine: "preview", Tier: "draft"})
	if err != nil {
		t.Fatal(err)
	}
	j := waitFor(t, r, ctx, first.Items[0].ID, func(j *slate.Job) bool { return j.State.Finished() })
	if j.State != slate.JobSucceeded {
		t.Fatalf("preview job %+v", j)
	}
	take, err := r.db.Take(ctx, j.TakeID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.db.UpdateShot(ctx, shots[1].ID, slate.ShotPatch{StartFrame: &slate.StartFrame{TakeID: take.ID}}); err != nil {
		t.Fatal(err)
	}
	second, err := r.db.Submit(ctx, p.ID, slate.BatchInput{Selection: &slate.Selection{Shots: []string{shots[1].ID}}, Engine: "gen4", Tier: "draft"})
	if err != nil {
		t.Fatal(err)
	}
	j = waitFor(t, r, ctx, second.Items[0].ID, func(j *slate.Job) bool { return j.State.Finished() })
	if j.State != slate.JobSucceeded || j.ProviderRequestID == "" {
		t.Fatalf("gen4 job %+v", j)
	}
	req := rw.LastRequest()
	uri, _ := req["promptImage"].(string)
	b64, ok := strings.CutPrefix(uri, "data:image/png;base64,")
	if !ok || rw.LastPath() != "/v1/image_to_video" {
		t.Fatalf("Runway got %s with promptImage %.60q; want image_to_video with a PNG data URI", rw.LastPath(), uri)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("promptImage is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != take.Width || b.Dy() != take.Height {
		t.Errorf("start image %v; want the take's %dx%d frame", b, take.Width, take.Height)
	}
}
