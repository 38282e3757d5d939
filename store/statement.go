package store

import (
	"context"
	"database/sql"
	"sync"
)

// statements caches prepared statements per pool. modernc's SQLite parses
// every statement it is handed afresh, which costs more than running the
// small statements of a hold; pgx caches prepared statements per connection
// already, so only SQLite uses this (see dialect.cachesStatements).
type statements struct {
	mu      sync.Mutex
	stmts   map[stmtKey]*sql.Stmt
	pending map[stmtKey]bool
	closed  bool
}

type stmtKey struct {
	pool  *sql.DB
	query string
}

// maxStatements bounds the cache: queries built with a varying number of
// placeholders are many, and past the bound they simply run unprepared.
const maxStatements = 512

// get returns query prepared on pool, or nil while it is not yet. Preparing
// on a pool needs a free connection, and SQLite's writer pool has one, which
// the caller's transaction holds: so a miss prepares in the background, once
// the connection is free, and this transaction runs the query unprepared.
func (c *statements) get(pool *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := stmtKey{pool, query}
	if st, ok := c.stmts[k]; ok {
		return st
	}
	if c.closed || c.pending[k] || len(c.stmts)+len(c.pending) >= maxStatements {
		return nil
	}
	if c.pending == nil {
		c.pending, c.stmts = map[stmtKey]bool{}, map[stmtKey]*sql.Stmt{}
	}
	c.pending[k] = true
	go func() {
		st, err := pool.PrepareContext(context.Background(), query)
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case err != nil:
			// Left pending, so a query that cannot be prepared is not tried
			// again; it keeps running unprepared and reports its own error.
		case c.closed:
			st.Close()
		default:
			delete(c.pending, k)
			c.stmts[k] = st
		}
	}()
	return nil
}

func (c *statements) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts, c.closed = nil, true
}

// stmt returns query prepared for this transaction's connection, or nil
// where statements are not cached.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if !tx.db.dialect.cachesStatements() {
		return nil
	}
	st := tx.db.stmts.get(tx.pool, query)
	if st == nil {
		return nil
	}
	// database/sql reuses the statement already prepared on this
	// connection; SQLite's writer has just one.
	return tx.Tx.StmtContext(ctx, st)
}

// ExecContext runs a statement in the transaction, prepared once per pool.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction, prepared once per pool.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query in the transaction, prepared once
// per pool.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}
