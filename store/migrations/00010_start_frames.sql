-- A shot may start its render from a frame of a take in its project (an
-- image-to-video start image): usually the last frame of the shot before.

-- +goose Up
ALTER TABLE shots ADD COLUMN start_take_id TEXT;
ALTER TABLE shots ADD COLUMN start_at_ms BIGINT;

-- +goose Down
ALTER TABLE shots DROP COLUMN start_at_ms;
ALTER TABLE shots DROP COLUMN start_take_id;
