package storetest_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"slate"
	"slate/store/storetest"
)

// TestDeliveryErrorTextMigratesToClasses: the delivery_error_class
// migration turns the error text deliveries kept into the class it shows,
// drops the text, and goes back down; the store then opens the database
// as usual.
func TestDeliveryErrorTextMigratesToClasses(t *testing.T) {
	t.Parallel()
	version := migrationVersion(t, "delivery_error_class")
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := b.DSN(t)
			driver, dialect, source := "pgx", goose.DialectPostgres, dsn
			if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
				driver, dialect, source = "sqlite", goose.DialectSQLite3, "file:"+path
			}
			db, err := sql.Open(driver, source)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, err := goose.NewProvider(dialect, db, os.DirFS("../migrations"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, version-1); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO orgs (id, name, plan, created_at) VALUES ('org_1', 'Harbour', 'standard', 0)`)
			exec(`INSERT INTO webhooks (id, org_id, url, kinds, secret, since, created_by, created_at)
				VALUES ('whk_1', 'org_1', 'http://10.0.0.5/', '', 's', '', 'usr_1', 0)`)
			cases := []struct {
				status int
				text   string
				want   slate.DeliveryErrorClass
			}{
				{204, "", ""},
				{500, "HTTP 500: <html>internal admin panel</html>", slate.DeliveryHTTPStatus},
				{0, "the last attempt's lease lapsed", slate.DeliveryLeaseLapsed},
				{0, "dial tcp: lookup nowhere.test on 127.0.0.53:53: no such host", slate.DeliveryDNS},
				{0, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", slate.DeliveryTimeout},
				{0, "tls: failed to verify certificate: x509: certificate signed by unknown authority", slate.DeliveryTLS},
				{0, "http: server gave HTTP response to HTTPS client", slate.DeliveryTLS},
				{0, "EOF", slate.DeliveryInvalidResponse},
				{0, `net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0-OpenSSH_9.6"`, slate.DeliveryInvalidResponse},
				{0, "encode event: json: unsupported value", slate.DeliveryInternal},
				{0, "dial tcp 10.0.0.5:22: connect: connection refused", slate.DeliveryConnect},
			}
			for i, c := range cases {
				id := string(rune('a' + i))
				exec(`INSERT INTO events (id, org_id, kind, payload, at) VALUES ($1, 'org_1', 'lock', '{}', 0)`, "evt_"+id)
				exec(`INSERT INTO webhook_deliveries (id, webhook_id, org_id, event_id, kind, status, attempts,
					last_status, last_error, next_attempt_at, created_at, updated_at)
					VALUES ($1, 'whk_1', 'org_1', $2, 'lock', 'failed', 1, $3, $4, 0, 0, 0)`, "dlv_"+id, "evt_"+id, c.status, c.text)
			}
			if _, err := p.UpTo(ctx, version); err != nil {
				t.Fatal(err)
			}
			for i, c := range cases {
				var got string
				if err := db.QueryRowContext(ctx, `SELECT last_error_class FROM webhook_deliveries WHERE id = $1`,
					"dlv_"+string(rune('a'+i))).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != string(c.want) {
					t.Errorf("%q (status %d) became %q, want %q", c.text, c.status, got, c.want)
				}
			}
			if _, err := db.ExecContext(ctx, `SELECT last_error FROM webhook_deliveries`); err == nil {
				t.Error("last_error is still there after the migration")
			}
			if _, err := p.DownTo(ctx, version-1); err != nil {
				t.Fatal(err)
			}
			var back string
			if err := db.QueryRowContext(ctx, `SELECT last_error FROM webhook_deliveries WHERE id = 'dlv_b'`).Scan(&back); err != nil || back != "http_status" {
				t.Fatalf("after going down: %q, %v", back, err)
			}
			db.Close()
			env := storetest.OpenWith(t, storetest.Backend{Name: b.Name, DSN: func(testing.TB) string { return dsn }}, nil)
			if err := env.DB.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// migrationVersion is the version of the migration named name.
func migrationVersion(t *testing.T, name string) int64 {
	t.Helper()
	files, err := fs.Glob(os.DirFS("../migrations"), "*_"+name+".sql")
	if err != nil || len(files) != 1 {
		t.Fatalf("migration %s: %v %v", name, files, err)
	}
	v, err := strconv.ParseInt(strings.SplitN(files[0], "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
