-- Exports: delivery files cut from the selected takes. An export runs as a
-- queue job (engine 'export'), whose state, progress and error are the
-- export's; this table keeps what the job does not: the preset, the cut's
-- clips as they were when it was asked for, and the finished file.

-- +goose Up
CREATE TABLE exports (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    project_id  TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    title       TEXT NOT NULL,
    preset      TEXT NOT NULL,
    reframe     TEXT NOT NULL,
    frame_rate  INTEGER NOT NULL,
    duration_ms BIGINT NOT NULL,
    file_key    TEXT,
    media_type  TEXT,
    size        BIGINT NOT NULL DEFAULT 0,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX exports_project ON exports (project_id, id);

-- The cut, frozen when the export was asked for: the take each shot had
-- selected and the shot's length, so a take chosen later changes no export
-- already queued, and the EDL always describes the file.
CREATE TABLE export_clips (
    export_id   TEXT NOT NULL REFERENCES exports (id),
    position    INTEGER NOT NULL,
    shot_id     TEXT NOT NULL,
    shot_name   TEXT NOT NULL,
    take_id     TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (export_id, position)
);

ALTER TABLE jobs ADD COLUMN export_id TEXT;

-- What ffprobe measured of a take's streams when it was made, so an export
-- decides whether takes join without re-encoding without probing again.
-- Takes made before hold '' and 0, and are probed when exported.
ALTER TABLE takes ADD COLUMN video_codec TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN pix_fmt TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN video_profile TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN audio_codec TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN audio_rate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN audio_channels INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE takes DROP COLUMN audio_channels;
ALTER TABLE takes DROP COLUMN audio_rate;
ALTER TABLE takes DROP COLUMN audio_codec;
ALTER TABLE takes DROP COLUMN video_profile;
ALTER TABLE takes DROP COLUMN pix_fmt;
ALTER TABLE takes DROP COLUMN video_codec;
ALTER TABLE jobs DROP COLUMN export_id;
DROP TABLE export_clips;
DROP TABLE exports;
