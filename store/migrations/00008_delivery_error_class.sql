-- Deliveries keep why an attempt failed as a fixed class, never the
-- receiver's answer or a network error's text: those let a member with
-- billing read, or scan, what the server can reach. Earlier text is turned
-- into the class it shows, and dropped.

-- +goose Up
ALTER TABLE webhook_deliveries ADD COLUMN last_error_class TEXT NOT NULL DEFAULT '';
UPDATE webhook_deliveries SET last_error_class = CASE
    WHEN last_error = '' THEN ''
    WHEN last_status <> 0 THEN 'http_status'
    WHEN LOWER(last_error) LIKE '%lease lapsed%' THEN 'lease_lapsed'
    WHEN LOWER(last_error) LIKE '%no such host%' THEN 'dns'
    WHEN LOWER(last_error) LIKE '%timeout%' OR LOWER(last_error) LIKE '%deadline exceeded%' THEN 'timeout'
    WHEN LOWER(last_error) LIKE '%tls%' OR LOWER(last_error) LIKE '%x509%' OR LOWER(last_error) LIKE '%certificate%'
        OR LOWER(last_error) LIKE '%https client%' THEN 'tls'
    WHEN LOWER(last_error) LIKE '%malformed%' OR last_error = 'EOF' OR LOWER(last_error) LIKE '%unexpected eof%' THEN 'invalid_response'
    WHEN LOWER(last_error) LIKE 'encode event%' THEN 'internal'
    ELSE 'connect'
END;
ALTER TABLE webhook_deliveries DROP COLUMN last_error;

-- +goose Down
ALTER TABLE webhook_deliveries ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
UPDATE webhook_deliveries SET last_error = last_error_class;
ALTER TABLE webhook_deliveries DROP COLUMN last_error_class;
