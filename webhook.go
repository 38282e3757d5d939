package slate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhook sends every event of an organisation (or of the kinds it names)
// to a URL, signed with a secret only the organisation and Slate know.
type Webhook struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	URL   string `json:"url"`
	// Kinds are the event kinds it receives; empty means every kind.
	Kinds     []string  `json:"kinds"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Secret signs deliveries. It is in the answer of creation only.
	Secret string `json:"secret,omitempty"`
}

// WebhookInput creates a webhook.
type WebhookInput struct {
	URL   string   `json:"url" maxLength:"2000" doc:"Absolute http or https URL deliveries are POSTed to"`
	Kinds []string `json:"kinds,omitempty" maxItems:"10" doc:"Event kinds to deliver (alert, balance, job, lock); empty means all"`
}

// MaxWebhookURL bounds a webhook's URL, in bytes.
const MaxWebhookURL = 2000

// Validate checks the URL and kinds and returns the input normalised: kinds
// lower-cased, sorted and without duplicates. Which addresses the URL may
// reach is the outbound address policy's (package netguard), which the
// server applies when the webhook is made and again when it connects.
func (in WebhookInput) Validate() (WebhookInput, error) {
	raw := strings.TrimSpace(in.URL)
	if raw == "" {
		return in, Invalidf("url", "url is required")
	}
	if len(raw) > MaxWebhookURL {
		return in, Invalidf("url", "url is longer than %d bytes", MaxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return in, Invalidf("url", "url does not parse: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return in, Invalidf("url", "url must be an absolute http or https URL")
	}
	if u.Host == "" || u.Hostname() == "" {
		return in, Invalidf("url", "url has no host")
	}
	out := WebhookInput{URL: raw, Kinds: []string{}}
	for _, k := range in.Kinds {
		k = strings.ToLower(strings.TrimSpace(k))
		if !slices.Contains(EventKinds, k) {
			return in, Invalidf("kinds", "unknown event kind %q (want %s)", k, strings.Join(EventKinds, ", "))
		}
		if !slices.Contains(out.Kinds, k) {
			out.Kinds = append(out.Kinds, k)
		}
	}
	slices.Sort(out.Kinds)
	return out, nil
}

// DeliveryStatus is where a webhook delivery is.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// WebhookDelivery is one event on its way to one webhook.
type WebhookDelivery struct {
	ID        string         `json:"id"`
	WebhookID string         `json:"webhook_id"`
	EventID   string         `json:"event_id"`
	Kind      string         `json:"kind"`
	Status    DeliveryStatus `json:"status"`
	Attempts  int            `json:"attempts"`
	// LastStatusCode is the receiver's HTTP status of the last attempt; 0
	// when it did not answer.
	LastStatusCode int `json:"last_status_code,omitempty"`
	// LastErrorClass is why the last attempt failed, as one of a fixed set
	// of classes: never the receiver's answer or a network error's text,
	// which would let a member read or map what the server can reach.
	LastErrorClass DeliveryErrorClass `json:"last_error_class,omitempty" enum:"blocked_address,dns,connect,timeout,tls,http_status,invalid_response,lease_lapsed,internal" doc:"Why the last attempt failed; absent when it did not"`
	// NextAttemptAt is when a pending delivery is tried (again).
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// WebhookService manages an organisation's webhooks. Every method needs
// the billing permission: a webhook sends the organisation's balance and
// activity to a place of the caller's choosing.
type WebhookService interface {
	// CreateWebhook answers the webhook with its secret, the only time the
	// secret is shown.
	CreateWebhook(ctx context.Context, orgID string, in WebhookInput) (*Webhook, error)
	// Webhooks pages an organisation's webhooks, oldest first, without
	// their secrets.
	Webhooks(ctx context.Context, orgID string, page PageRequest) (*Page[*Webhook], error)
	DeleteWebhook(ctx context.Context, orgID, webhookID string) error
	// WebhookDeliveries lists a webhook's deliveries, newest first.
	WebhookDeliveries(ctx context.Context, orgID, webhookID string, page PageRequest) (*Page[*WebhookDelivery], error)
}

// Retry schedule of webhook deliveries: an attempt that fails waits
// WebhookRetryBase, doubling after each failure up to WebhookRetryCap, and
// the delivery fails for good after WebhookMaxAttempts attempts.
const (
	WebhookMaxAttempts = 8
	WebhookRetryBase   = time.Second
	WebhookRetryCap    = time.Minute
)

// WebhookBackoff is how long to wait after the attempt-th failed attempt
// (1-based) before the next: 1 s, 2 s, 4 s … at most WebhookRetryCap.
func WebhookBackoff(attempt int) time.Duration {
	d := WebhookRetryBase
	for i := 1; i < attempt && d < WebhookRetryCap; i++ {
		d *= 2
	}
	return min(d, WebhookRetryCap)
}

// DeliveryClaim is a delivery leased to one deliverer, with what it needs
// to send it. Token proves the lease when the result is recorded.
type DeliveryClaim struct {
	Delivery *WebhookDelivery
	Token    string
	URL      string
	Secret   string
	Event    *Event
}

// DeliveryErrorClass is why a delivery attempt failed. Deliveries keep
// the class only: a receiver's answer or a dial error's text would make
// webhooks a way to read, or to scan, what the server can reach.
type DeliveryErrorClass string

// Delivery error classes.
const (
	// DeliveryBlockedAddress: every address of the host is one the address
	// policy refuses; nothing was dialled.
	DeliveryBlockedAddress DeliveryErrorClass = "blocked_address"
	// DeliveryDNS: the host name did not resolve.
	DeliveryDNS DeliveryErrorClass = "dns"
	// DeliveryConnect: the connection was refused, unreachable or broken.
	DeliveryConnect DeliveryErrorClass = "connect"
	// DeliveryTimeout: no answer in time.
	DeliveryTimeout DeliveryErrorClass = "timeout"
	// DeliveryTLS: the TLS handshake or the receiver's certificate failed.
	DeliveryTLS DeliveryErrorClass = "tls"
	// DeliveryHTTPStatus: the receiver answered with a status other than
	// 2xx (a redirect included); the code is the delivery's.
	DeliveryHTTPStatus DeliveryErrorClass = "http_status"
	// DeliveryInvalidResponse: the answer was not HTTP, or the connection
	// closed before one came.
	DeliveryInvalidResponse DeliveryErrorClass = "invalid_response"
	// DeliveryLeaseLapsed: the server making the last attempt stopped
	// before it recorded the result.
	DeliveryLeaseLapsed DeliveryErrorClass = "lease_lapsed"
	// DeliveryInternal: Slate could not make the request.
	DeliveryInternal DeliveryErrorClass = "internal"
)

// DeliveryErrorClasses are the classes, in the order the docs give them.
var DeliveryErrorClasses = []DeliveryErrorClass{DeliveryBlockedAddress, DeliveryDNS, DeliveryConnect,
	DeliveryTimeout, DeliveryTLS, DeliveryHTTPStatus, DeliveryInvalidResponse, DeliveryLeaseLapsed, DeliveryInternal}

// Text says what the class means, for people.
func (c DeliveryErrorClass) Text() string {
	switch c {
	case DeliveryBlockedAddress:
		return "address not allowed"
	case DeliveryDNS:
		return "host name did not resolve"
	case DeliveryConnect:
		return "could not connect"
	case DeliveryTimeout:
		return "timed out"
	case DeliveryTLS:
		return "TLS failed"
	case DeliveryHTTPStatus:
		return "answered with an error status"
	case DeliveryInvalidResponse:
		return "answer was not HTTP"
	case DeliveryLeaseLapsed:
		return "sender stopped mid-attempt"
	case DeliveryInternal:
		return "request could not be made"
	}
	return string(c)
}

// DeliveryResult is what one attempt came to: the receiver's status code
// (0 when it did not answer) and, unless it was accepted, why not.
type DeliveryResult struct {
	StatusCode int
	Class      DeliveryErrorClass
}

// OK reports whether the receiver accepted the delivery.
func (r DeliveryResult) OK() bool {
	return r.Class == "" && r.StatusCode >= 200 && r.StatusCode <= 299
}

// ErrorClass is why the attempt failed, "" when it did not: its class,
// or http_status for an answer outside 2xx that came without one.
func (r DeliveryResult) ErrorClass() DeliveryErrorClass {
	switch {
	case r.OK():
		return ""
	case r.Class != "":
		return r.Class
	case r.StatusCode != 0:
		return DeliveryHTTPStatus
	}
	return DeliveryInternal
}

// DeliveryQueue is webhook delivery as the server's deliverer works it. It
// acts for the system, not a member. Several processes may share it: a
// claimed delivery is leased to one of them.
type DeliveryQueue interface {
	// EnqueueDeliveries makes a pending delivery for every webhook that
	// wants an event stored since the last call, and answers how many.
	EnqueueDeliveries(ctx context.Context) (int, error)
	// ClaimDeliveries leases up to limit due deliveries for lease, counting
	// an attempt for each.
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*DeliveryClaim, error)
	// RecordDelivery stores the result of a claimed attempt: delivered, or
	// pending again after WebhookBackoff, or failed after the last attempt.
	// A lease that is no longer token's is a conflict.
	RecordDelivery(ctx context.Context, deliveryID, token string, r DeliveryResult) (*WebhookDelivery, error)
}

// Signature headers of webhook deliveries.
const (
	HeaderWebhookEvent     = "Slate-Event"
	HeaderWebhookDelivery  = "Slate-Delivery"
	HeaderWebhookSignature = "Slate-Signature"
)

// SignWebhook returns the Slate-Signature of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". The time is
// signed too, so a receiver can refuse old deliveries replayed at it.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + webhookMAC(secret, ts, body)
}

func webhookMAC(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookTolerance is the replay window receivers should allow: a
// delivery signed further than this from the receiver's clock is refused,
// so a captured request cannot be replayed later. Each attempt is signed
// afresh, so retries are never older than it.
const WebhookTolerance = 5 * time.Minute

// VerifyWebhook checks a Slate-Signature header against body, as a receiver
// would: some v1 must match, and the signed time must be within tolerance
// of now (WebhookTolerance is the recommended window; 0 skips the check).
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("webhook signature %q: want t=<unix>,v1=<hex>", header)
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return fmt.Errorf("webhook signature is %s away from now", d.Round(time.Second))
		}
	}
	want := webhookMAC(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("webhook signature does not match")
}
