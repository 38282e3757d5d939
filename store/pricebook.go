package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"slate"
	"slate/pricing"
)

// registerBook gives the price book in force its version: the stored version
// with the same prices, or the next one. Quotes name the version they used,
// so a price change never rewrites an old quote.
func (s *DB) registerBook(ctx context.Context, book pricing.Book) (pricing.Book, error) {
	digest := book.Digest()
	book.Version = 0
	body, err := json.Marshal(book)
	if err != nil {
		return book, err
	}
	register := func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT version FROM price_books WHERE digest = $1`, digest).Scan(&book.Version)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM price_books`).Scan(&book.Version); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO price_books (version, digest, body, created_at) VALUES ($1, $2, $3, $4)`,
			book.Version, digest, string(body), ms(tx.now))
		return err
	}
	// Servers starting together may race to add the same book or take the
	// same version: the loser reads what the winner wrote.
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.withTx(ctx, register); slate.ErrorCode(err) != slate.ECONFLICT {
			break
		}
	}
	if err != nil {
		return book, fmt.Errorf("store: price book: %w", err)
	}
	return book, nil
}

// Catalog returns the plans, credit packs and price book in force, the
// price book with its version.
func (s *DB) Catalog() pricing.Catalog {
	c := s.catalog
	c.PriceBook = s.book
	return c
}
