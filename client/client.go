// Package client is the Go client of Slate's HTTP API. The command line, the
// end-to-end tests and browser-test setup all drive the server through it, so
// it speaks exactly the API's contract: domain types in, domain types out, and
// problem+json errors decoded into *Error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"slate"
)

// Client calls one Slate server as one user. It is safe for concurrent use.
type Client struct {
	// BaseURL is the server's root, such as "http://127.0.0.1:8080".
	BaseURL string
	// Token is the bearer token; empty for sign-up and login.
	Token string
	// HTTP does the requests; New sets a client with a timeout so a hung
	// server cannot hang the command line forever.
	HTTP *http.Client
	// UserAgent identifies the caller in the server's logs.
	UserAgent string
	// PageSize is how many items each request asks for when a method
	// reads a whole list (ListProjects, ListMembers …) page by page; 0
	// leaves it to the server.
	PageSize int
}

// New returns a client of the server at baseURL acting with token.
func New(baseURL, token string) *Client {
	return &Client{
		BaseURL:   strings.TrimRight(baseURL, "/"),
		Token:     token,
		HTTP:      &http.Client{Timeout: 60 * time.Second},
		UserAgent: "slate-client",
		PageSize:  slate.MaxPageLimit,
	}
}

type idempotencyKey struct{}

// WithIdempotencyKey returns ctx that makes the next mutating call send key as
// its Idempotency-Key, so retrying it after a lost answer cannot apply it
// twice. A context rather than a parameter keeps every method's signature
// the plain domain call.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}

// do sends in (if not nil) as JSON with method to path and decodes the answer
// into out (if not nil). Non-2xx answers become *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := encode(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if key, _ := ctx.Value(idempotencyKey{}).(string); key != "" && method != http.MethodGet {
		req.Header.Set("Idempotency-Key", key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("client: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// encode writes in as encoding/json does, except that text which is not
// valid UTF-8 (from a command line in another encoding, say) is refused,
// naming the field, instead of being sent as U+FFFD: the server refuses
// such text, and the client must not repair it on the way.
func encode(in any) ([]byte, error) {
	b, err := jsonv2.Marshal(in, jsonv1.DefaultOptionsV1(),
		jsontext.AllowInvalidUTF8(false), jsonv1.ReportErrorsWithLegacySemantics(false))
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		field := fieldOf(se.JSONPointer)
		return nil, slate.Invalidf(field, "%s is not valid UTF-8: %v", field, se.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("client: encode: %w", err)
	}
	return b, nil
}

// fieldOf names a JSON pointer's place as the server names fields:
// "selection.tags[0]". A number is taken for an index; the requests' maps
// are keyed by ids, never by numbers.
func fieldOf(ptr jsontext.Pointer) string {
	var b strings.Builder
	for tok := range ptr.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// openStream sends a GET for a long answer (a feed, a file) and returns the
// response once its status is 200. Such a request is bounded by ctx, not by
// the client's timeout, which is for whole ordinary requests. extra headers
// are set as given.
func (c *Client) openStream(ctx context.Context, path, accept string, extra http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path, nil)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", accept+", application/problem+json")
	for k, v := range extra {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	hc := http.Client{}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, decodeError(resp, data)
	}
	return resp, nil
}

// send is do for calls that answer one value: nil with the error, so a
// failed call never hands back a half-filled value.
func send[T any](ctx context.Context, c *Client, method, path string, in any) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// list is the shape of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// all follows a list's cursors to the end, PageSize items at a time, so
// callers of lists people keep (orgs, members, projects) see them whole.
func all[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	out := []T{}
	cursor := ""
	for {
		q := url.Values{"cursor": {cursor}}
		if c.PageSize > 0 {
			q.Set("limit", strconv.Itoa(c.PageSize))
		}
		p := withQuery(path, q)
		var page list[T]
		if err := c.do(ctx, http.MethodGet, p, nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		// A server that repeats a cursor would loop forever; stop instead.
		if page.NextCursor == "" || page.NextCursor == cursor {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// pathf builds a path, escaping every id so that no id can reach another
// route.
func pathf(format string, ids ...string) string {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = url.PathEscape(id)
	}
	return fmt.Sprintf(format, args...)
}

func withQuery(path string, q url.Values) string {
	for k, v := range q {
		if len(v) == 0 || v[0] == "" {
			q.Del(k)
		}
	}
	if len(q) == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + q.Encode()
}

// Health checks the server's /healthz; nil means it is up and ready.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil)
}
