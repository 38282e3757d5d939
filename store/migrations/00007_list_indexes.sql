-- Every list pages by a key (creation time, then id): these indexes let a
-- page start at its cursor and stop after its last row, instead of sorting
-- all of an organisation's rows for every page. Each replaces an index
-- that was its prefix.

-- +goose Up
CREATE INDEX projects_org_page ON projects (org_id, created_at, id);
DROP INDEX projects_org;
CREATE INDEX members_org_page ON members (org_id, created_at, user_id);
CREATE INDEX invitations_org_page ON invitations (org_id, created_at, id);
DROP INDEX invitations_org;
CREATE INDEX takes_shot_page ON takes (shot_id, created_at, id);
DROP INDEX takes_shot;

-- +goose Down
CREATE INDEX takes_shot ON takes (shot_id, created_at);
DROP INDEX takes_shot_page;
CREATE INDEX invitations_org ON invitations (org_id);
DROP INDEX invitations_org_page;
DROP INDEX members_org_page;
CREATE INDEX projects_org ON projects (org_id);
DROP INDEX projects_org_page;
