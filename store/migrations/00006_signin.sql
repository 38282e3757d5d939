-- Failed sign-ins per account, kept in the database so the backoff holds
-- however many servers share it and however requests are spread among
-- them. The account is the SHA-256 of the normalised email, whether or not
-- an account has it (so a paused unknown email looks like a paused known
-- one), and no email, not even a mistyped one, is written down.

-- +goose Up
CREATE TABLE signin_failures (
    account       TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_at       BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX signin_failures_last ON signin_failures (last_at);

-- +goose Down
DROP TABLE signin_failures;
