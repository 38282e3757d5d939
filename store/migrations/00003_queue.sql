-- The render queue: batches, jobs, each organisation's lane of the queue,
-- and the project an event concerns (so the live feed can hide projects a
-- member may not see).

-- +goose Up
CREATE TABLE batches (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    project_id   TEXT NOT NULL,
    quote_id     TEXT,
    engine       TEXT,
    tier         TEXT,
    priority     INTEGER NOT NULL,
    submitted_by TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
-- A quote is submitted once: its prices were for one batch.
CREATE UNIQUE INDEX batches_quote ON batches (quote_id) WHERE quote_id IS NOT NULL;

CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    project_id    TEXT NOT NULL,
    batch_id      TEXT NOT NULL REFERENCES batches (id),
    shot_id       TEXT NOT NULL,
    scene_id      TEXT NOT NULL,
    shot_name     TEXT NOT NULL,
    engine        TEXT NOT NULL,
    tier          TEXT NOT NULL,
    duration_ms   BIGINT NOT NULL,
    state         TEXT NOT NULL,
    priority      INTEGER NOT NULL,
    -- topped orders jobs of equal priority that were moved to the top:
    -- the latest move first.
    topped        BIGINT NOT NULL DEFAULT 0,
    progress      INTEGER NOT NULL DEFAULT 0,
    eta           BIGINT,
    cost          BIGINT NOT NULL,
    hold_id       TEXT,
    -- retries counts retries, so each re-placed hold has its own key.
    retries       INTEGER NOT NULL DEFAULT 0,
    cost_held     BIGINT NOT NULL DEFAULT 0,
    cost_charged  BIGINT NOT NULL DEFAULT 0,
    submitted_by  TEXT NOT NULL,
    error_code    TEXT,
    error_message TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    take_id       TEXT,
    worker_id     TEXT,
    lease_until   BIGINT,
    created_at    BIGINT NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT,
    updated_at    BIGINT NOT NULL
);
-- The claim reads the head of one organisation's queued jobs: the index
-- holds only queued jobs, so its cost does not grow with history.
CREATE INDEX jobs_ready ON jobs (org_id, priority DESC, topped DESC, id) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state IN ('running', 'cancel_requested');
CREATE INDEX jobs_org ON jobs (org_id, id);
CREATE INDEX jobs_batch ON jobs (batch_id, id);
CREATE INDEX jobs_shot ON jobs (shot_id);

-- One row per organisation that has ever queued: how many of its jobs are
-- queued and running, and when a worker last took one, which is what
-- fairness and the concurrent-render limit need without counting jobs.
CREATE TABLE queue_lanes (
    org_id    TEXT PRIMARY KEY REFERENCES orgs (id),
    queued    BIGINT NOT NULL DEFAULT 0,
    running   BIGINT NOT NULL DEFAULT 0,
    served_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX queue_lanes_ready ON queue_lanes (running, served_at) WHERE queued > 0;

ALTER TABLE takes ADD COLUMN job_id TEXT;
ALTER TABLE takes ADD COLUMN frame_rate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN media_type TEXT NOT NULL DEFAULT 'video/mp4';
ALTER TABLE takes ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX takes_job ON takes (job_id);

ALTER TABLE events ADD COLUMN project_id TEXT;

-- +goose Down
DROP INDEX takes_job;
DROP TABLE queue_lanes;
DROP TABLE jobs;
DROP TABLE batches;
