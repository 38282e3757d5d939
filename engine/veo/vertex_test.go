package veo_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"slate"
	"slate/engine/veo/veotest"
)

// TestRenderVertex renders through Vertex AI: the bearer token, the
// project's model path, fetchPredictOperation, the seed and storageUri,
// and the video read from Cloud Storage.
func TestRenderVertex(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{RunningPolls: 2})
	e := newEngine(t, config(srv, "veo-3.1-generate-001", vertexOptions(srv), &sleeps{}))
	spec := shotSpec()
	spec.Seed = 1<<32 + 99
	spec.Tier, spec.DurationMS, spec.AspectRatio = "draft", 6000, "9:16"
	ticket, err := e.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ticket.ID, "projects/film-123/locations/us-central1/publishers/google/models/veo-3.1-generate-001/operations/") {
		t.Fatalf("ticket = %+v", ticket)
	}
	dst := dstPath(t)
	out, err := newEngine(t, config(srv, "veo-3.1-generate-001", vertexOptions(srv), &sleeps{})).Await(context.Background(), spec, ticket, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	probe(t, dst)
	sub := srv.LastSubmission()
	if sub.Backend != "vertex" || sub.Path != "/v1/projects/film-123/locations/us-central1/publishers/google/models/veo-3.1-generate-001:predictLongRunning" ||
		sub.Header.Get("Authorization") != "Bearer "+veotest.DefaultToken || sub.Header.Get("x-goog-api-key") != "" {
		t.Errorf("submission went to %s %s with headers %v", sub.Backend, sub.Path, sub.Header)
	}
	got, _ := json.Marshal(sub.Body)
	want := `{"instances":[{"prompt":"a lighthouse in a storm"}],"parameters":{"aspectRatio":"9:16","durationSeconds":6,"generateAudio":true,"negativePrompt":"people","resolution":"720p","sampleCount":1,"seed":99,"storageUri":"gs://slate-takes/veo/job_01/"}}`
	if string(got) != want {
		t.Errorf("request body\n got %s\nwant %s", got, want)
	}
	if out.Seed == nil || *out.Seed != 99 || out.Usage.VideoMS != 6000 || out.Model != "veo-3.1-generate-001" {
		t.Errorf("output = %+v", out)
	}
	if srv.Submissions() != 1 || srv.Polls() != 3 || srv.Downloads() != 1 {
		t.Errorf("fake saw %d submissions, %d polls, %d downloads", srv.Submissions(), srv.Polls(), srv.Downloads())
	}

	// A ticket from the other backend is refused, not followed.
	gemini := newEngine(t, config(srv, "veo-3.1-generate-001", "", &sleeps{}))
	_, err = gemini.Await(context.Background(), spec, ticket, dstPath(t), nil)
	jobError(t, err, slate.JobErrEngineFailed)
}
