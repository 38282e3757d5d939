-- Slate's schema. One file serves SQLite and PostgreSQL: ids are TEXT, times
-- are BIGINT unix milliseconds (UTC), booleans are BOOLEAN, money is BIGINT.

-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    plan       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE members (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permissions INTEGER NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    permissions INTEGER NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT
);
CREATE INDEX invitations_org ON invitations (org_id);

CREATE TABLE projects (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    format         TEXT NOT NULL,
    aspect_ratio   TEXT NOT NULL,
    frame_rate     INTEGER NOT NULL,
    default_engine TEXT NOT NULL,
    default_tier   TEXT NOT NULL,
    restricted     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX projects_org ON projects (org_id);

CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, user_id)
);

-- Positions are dense and 1-based among siblings. They are not UNIQUE: both
-- databases check uniqueness row by row, which a shift (position + 1) trips.
CREATE TABLE acts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    locked_by   TEXT,
    locked_at   BIGINT,
    lock_reason TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX acts_project ON acts (project_id, position);

CREATE TABLE scenes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    act_id      TEXT NOT NULL REFERENCES acts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location    TEXT NOT NULL DEFAULT '',
    time_of_day TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    locked_by   TEXT,
    locked_at   BIGINT,
    lock_reason TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX scenes_act ON scenes (act_id, position);
CREATE INDEX scenes_project ON scenes (project_id);

CREATE TABLE shots (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    project_id       TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    act_id           TEXT NOT NULL,
    scene_id         TEXT NOT NULL REFERENCES scenes (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    position         INTEGER NOT NULL,
    duration_ms      BIGINT NOT NULL,
    prompt           TEXT NOT NULL DEFAULT '',
    negative_prompt  TEXT NOT NULL DEFAULT '',
    seed             BIGINT,
    shot_type        TEXT NOT NULL DEFAULT '',
    angle            TEXT NOT NULL DEFAULT '',
    movement         TEXT NOT NULL DEFAULT '',
    lens             TEXT NOT NULL DEFAULT '',
    engine           TEXT NOT NULL DEFAULT '',
    tier             TEXT NOT NULL DEFAULT '',
    review_status    TEXT NOT NULL DEFAULT 'pending',
    review_note      TEXT NOT NULL DEFAULT '',
    selected_take_id TEXT,
    locked_by        TEXT,
    locked_at        BIGINT,
    lock_reason      TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX shots_scene ON shots (scene_id, position);
CREATE INDEX shots_project ON shots (project_id);

CREATE TABLE scene_tags (
    scene_id   TEXT NOT NULL REFERENCES scenes (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    tag        TEXT NOT NULL,
    tag_key    TEXT NOT NULL,
    PRIMARY KEY (scene_id, tag_key)
);
CREATE INDEX scene_tags_project ON scene_tags (project_id, tag_key);

CREATE TABLE shot_tags (
    shot_id    TEXT NOT NULL REFERENCES shots (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    tag        TEXT NOT NULL,
    tag_key    TEXT NOT NULL,
    PRIMARY KEY (shot_id, tag_key)
);
CREATE INDEX shot_tags_project ON shot_tags (project_id, tag_key);

-- Takes arrive with the render queue; the table exists now because review
-- ("only a shot with a take can be approved") depends on it.
CREATE TABLE takes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    shot_id     TEXT NOT NULL REFERENCES shots (id) ON DELETE CASCADE,
    engine      TEXT NOT NULL,
    tier        TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    duration_ms BIGINT NOT NULL,
    media_path  TEXT NOT NULL,
    cost        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX takes_shot ON takes (shot_id, created_at);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    project_id   TEXT NOT NULL DEFAULT '',
    actor_id     TEXT NOT NULL,
    action       TEXT NOT NULL,
    element_kind TEXT NOT NULL DEFAULT '',
    element_id   TEXT NOT NULL DEFAULT '',
    element_name TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    at           BIGINT NOT NULL
);
CREATE INDEX audit_org ON audit_log (org_id, id);

-- A replayed mutating request (same user, same Idempotency-Key) gets the
-- stored response. status 0 marks a request still in flight.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    body_hash    TEXT NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    response     TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE takes;
DROP TABLE shot_tags;
DROP TABLE scene_tags;
DROP TABLE shots;
DROP TABLE scenes;
DROP TABLE acts;
DROP TABLE project_members;
DROP TABLE projects;
DROP TABLE invitations;
DROP TABLE members;
DROP TABLE orgs;
DROP TABLE tokens;
DROP TABLE users;
