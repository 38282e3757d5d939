package slate

import "context"

// IdempotentResponse is a stored response to a mutating request, replayed
// when the same user sends the same Idempotency-Key and the same request.
type IdempotentResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyService remembers mutating requests by key. A key is claimed
// before the request runs, so two concurrent requests with one key can never
// both write.
type IdempotencyService interface {
	// BeginIdempotent claims key for userID. It returns the stored response
	// when the same request (method, path, body hash) already finished; nil
	// when the key is new and now claimed; ECONFLICT when the key belongs to
	// a different request or the first one is still running.
	BeginIdempotent(ctx context.Context, userID, key, method, path, bodyHash string) (*IdempotentResponse, error)
	// FinishIdempotent stores the response of a claimed key.
	FinishIdempotent(ctx context.Context, userID, key string, resp IdempotentResponse) error
	// AbandonIdempotent frees a claimed key whose request failed on the
	// server's side, so the client may retry it.
	AbandonIdempotent(ctx context.Context, userID, key string) error
}
