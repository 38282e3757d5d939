-- Webhooks: each organisation's receivers, every event's delivery to each
-- of them with its retry state, and how far the deliverers have turned
-- events into deliveries.

-- +goose Up
-- kinds is the filter as ",job,lock," (commas around every kind, so one
-- LIKE finds a kind), or '' for every kind. since is an event id made
-- when the webhook was: it receives the events above it only.
-- secret is kept as is, since signing needs it.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    url        TEXT NOT NULL,
    kinds      TEXT NOT NULL,
    secret     TEXT NOT NULL,
    since      TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id, id);

-- One row per webhook and event. A pending delivery is due at
-- next_attempt_at; claiming it moves that to the end of the lease and sets
-- lease_token, so a deliverer that dies leaves it due again when the lease
-- lapses, and only the holder of the token records the result.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id),
    org_id          TEXT NOT NULL,
    event_id        TEXT NOT NULL REFERENCES events (id),
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at BIGINT NOT NULL,
    lease_token     TEXT,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, id);

-- The highest event id turned into deliveries. Events of other processes
-- may commit below it, so each pass looks back from it a little.
CREATE TABLE webhook_cursor (
    id       INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL
);
INSERT INTO webhook_cursor (id, event_id) VALUES (1, '');

-- +goose Down
DROP TABLE webhook_cursor;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
