-- A hosted engine's request is paid for once the provider accepts it, so
-- the job keeps the provider's receipt (its request id, and what the
-- adapter needs to find it again) from that moment: a worker that takes
-- over resumes the request instead of submitting again. A take keeps what
-- the provider billed, for the margin report.

-- +goose Up
ALTER TABLE jobs ADD COLUMN provider_request_id TEXT;
ALTER TABLE jobs ADD COLUMN provider_ticket TEXT;
ALTER TABLE jobs ADD COLUMN submitted_at BIGINT;
CREATE INDEX jobs_engine_running ON jobs (engine) WHERE state IN ('running', 'cancel_requested');

ALTER TABLE takes ADD COLUMN model TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN provider_request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN seed BIGINT;
ALTER TABLE takes ADD COLUMN billed_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN compute_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN provider_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN provider_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN provider_cost BIGINT NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN provider_currency TEXT NOT NULL DEFAULT '';
CREATE INDEX takes_org_created ON takes (org_id, created_at);

-- One row per engine with a concurrency limit: a claim of such an engine
-- locks its row before counting the engine's running jobs, so claims on
-- many servers cannot together pass the limit.
CREATE TABLE engine_lanes (
    engine TEXT PRIMARY KEY
);

-- +goose Down
DROP TABLE engine_lanes;
DROP INDEX takes_org_created;
ALTER TABLE takes DROP COLUMN provider_currency;
ALTER TABLE takes DROP COLUMN provider_cost;
ALTER TABLE takes DROP COLUMN provider_unit;
ALTER TABLE takes DROP COLUMN provider_amount;
ALTER TABLE takes DROP COLUMN compute_ms;
ALTER TABLE takes DROP COLUMN billed_ms;
ALTER TABLE takes DROP COLUMN seed;
ALTER TABLE takes DROP COLUMN provider_request_id;
ALTER TABLE takes DROP COLUMN model;
DROP INDEX jobs_engine_running;
ALTER TABLE jobs DROP COLUMN submitted_at;
ALTER TABLE jobs DROP COLUMN provider_ticket;
ALTER TABLE jobs DROP COLUMN provider_request_id;
