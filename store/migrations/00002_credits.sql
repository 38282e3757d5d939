-- Credits: the balance, its append-only ledger, holds, quotes, purchases,
-- budgets, price-book versions and stored events (alerts).

-- +goose Up
-- One row per organisation: the four buckets, the billing period and the
-- budgets (the organisation's and its projects', as JSON). Every write to it goes with ledger entries in one transaction, and
-- on PostgreSQL takes this row FOR UPDATE, so writers for one organisation
-- queue here.
CREATE TABLE balances (
    org_id        TEXT PRIMARY KEY REFERENCES orgs (id),
    plan          TEXT NOT NULL,
    monthly       BIGINT NOT NULL,
    rollover      BIGINT NOT NULL,
    purchased     BIGINT NOT NULL,
    held          BIGINT NOT NULL,
    -- entries counts ledger entries: the next entry's seq is entries + 1.
    entries       BIGINT NOT NULL,
    -- period numbers every period since the organisation began; anchor_at
    -- and period_index locate the current one (an upgrade re-anchors).
    period        BIGINT NOT NULL,
    anchor_at     BIGINT NOT NULL,
    period_index  BIGINT NOT NULL,
    period_start  BIGINT NOT NULL,
    period_end    BIGINT NOT NULL,
    allocation    BIGINT NOT NULL,
    pending_plan  TEXT,
    cancel_at_end BOOLEAN NOT NULL DEFAULT FALSE,
    cancelled     BOOLEAN NOT NULL DEFAULT FALSE,
    budget        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX balances_due ON balances (period_end);

-- Entries are found by organisation and sequence, never by id alone, so
-- the id carries no index: every index is written on the hot path.
CREATE TABLE ledger_entries (
    id              TEXT NOT NULL,
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    seq             BIGINT NOT NULL,
    idem_key        TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    period          BIGINT NOT NULL,
    monthly         BIGINT NOT NULL,
    rollover        BIGINT NOT NULL,
    purchased       BIGINT NOT NULL,
    held            BIGINT NOT NULL,
    monthly_after   BIGINT NOT NULL,
    rollover_after  BIGINT NOT NULL,
    purchased_after BIGINT NOT NULL,
    held_after      BIGINT NOT NULL,
    actor_id        TEXT,
    hold_id         TEXT,
    project_id      TEXT,
    scene_id        TEXT,
    shot_id         TEXT,
    shot_name       TEXT,
    job_id          TEXT,
    engine          TEXT,
    tier            TEXT,
    duration_ms     BIGINT,
    note            TEXT,
    at              BIGINT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX ledger_entries_kind_at ON ledger_entries (org_id, kind, at);

CREATE TABLE holds (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    hold_key    TEXT NOT NULL UNIQUE,
    quote_id    TEXT,
    member_id   TEXT NOT NULL,
    period      BIGINT NOT NULL,
    amount      BIGINT NOT NULL,
    charged     BIGINT NOT NULL DEFAULT 0,
    state       TEXT NOT NULL,
    project_id  TEXT,
    scene_id    TEXT,
    shot_id     TEXT,
    shot_name   TEXT,
    job_id      TEXT,
    engine      TEXT,
    tier        TEXT,
    duration_ms BIGINT,
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT
);
CREATE INDEX holds_project ON holds (project_id);
-- Serves the organisation's spend this period and a member's.
CREATE INDEX holds_period ON holds (org_id, period, member_id);

CREATE TABLE quotes (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES orgs (id),
    project_id         TEXT NOT NULL,
    price_book_version BIGINT NOT NULL,
    created_by         TEXT NOT NULL,
    total              BIGINT NOT NULL,
    body               TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL
);

CREATE TABLE purchases (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    purchase_key TEXT NOT NULL UNIQUE,
    pack        TEXT NOT NULL,
    credits     BIGINT NOT NULL,
    price_cents BIGINT NOT NULL,
    provider    TEXT NOT NULL,
    reference   TEXT NOT NULL,
    bought_by   TEXT NOT NULL,
    at          BIGINT NOT NULL
);

CREATE TABLE price_books (
    version    BIGINT PRIMARY KEY,
    digest     TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Events members may hear about live. dedupe_key makes an alert fire once
-- per threshold per period.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    kind       TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    payload    TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX events_org ON events (org_id, id);

-- +goose Down
DROP TABLE events;
DROP TABLE price_books;
DROP TABLE purchases;
DROP TABLE quotes;
DROP TABLE holds;
DROP TABLE ledger_entries;
DROP TABLE balances;
