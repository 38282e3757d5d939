package slate_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"slate"
)

func TestWebhookInputValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url string
		kinds     []string
		field     string // "" when valid
		wantURL   string
		wantKinds string
	}{
		{name: "https", url: "https://hooks.example.test/slate?x=1", wantURL: "https://hooks.example.test/slate?x=1"},
		{name: "loopback http with port", url: " http://127.0.0.1:8081/in ", wantURL: "http://127.0.0.1:8081/in"},
		{name: "ipv6 loopback", url: "http://[::1]:9000/", wantURL: "http://[::1]:9000/"},
		{name: "kinds normalised", url: "https://h.test/", kinds: []string{"LOCK", " job", "lock"}, wantURL: "https://h.test/", wantKinds: "job,lock"},
		{name: "exactly the limit", url: "https://h.test/" + strings.Repeat("a", slate.MaxWebhookURL-len("https://h.test/")),
			wantURL: "https://h.test/" + strings.Repeat("a", slate.MaxWebhookURL-len("https://h.test/"))},
		{name: "empty", url: "  ", field: "url"},
		{name: "over the limit", url: "https://h.test/" + strings.Repeat("a", slate.MaxWebhookURL), field: "url"},
		{name: "relative", url: "hooks/slate", field: "url"},
		{name: "scheme-relative", url: "//h.test/x", field: "url"},
		{name: "file", url: "file:///etc/passwd", field: "url"},
		{name: "mailto", url: "mailto:ops@h.test", field: "url"},
		{name: "empty host", url: "https://:443/x", field: "url"},
		{name: "space inside", url: "http://h .test/", field: "url"},
		{name: "unknown kind", url: "https://h.test/", kinds: []string{"render"}, field: "kinds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := slate.WebhookInput{URL: tc.url, Kinds: tc.kinds}.Validate()
			if tc.field != "" {
				var se *slate.Error
				if slate.ErrorCode(err) != slate.EINVALID || !errors.As(err, &se) || se.Field != tc.field {
					t.Fatalf("err = %v, want invalid %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.URL != tc.wantURL || strings.Join(got.Kinds, ",") != tc.wantKinds || got.Kinds == nil {
				t.Errorf("got %+v, want %s %q", got, tc.wantURL, tc.wantKinds)
			}
		})
	}
}

func TestWebhookBackoff(t *testing.T) {
	t.Parallel()
	for attempt, want := range map[int]time.Duration{
		1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second,
		7: time.Minute, 8: time.Minute, 100: time.Minute,
	} {
		if got := slate.WebhookBackoff(attempt); got != want {
			t.Errorf("WebhookBackoff(%d) = %s, want %s", attempt, got, want)
		}
	}
}

func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)
	body := []byte(`{"id":"evt_1","kind":"lock"}`)
	sig := slate.SignWebhook("whsec_test", at, body)
	// Reference value: printf '1773567000.{"id":"evt_1","kind":"lock"}' | openssl dgst -sha256 -hmac whsec_test
	if want := "t=1773567000,v1=dfbcd3944f1bfdaa6f2174727b04fcc51410121603ab6791ab4154bf45e03725"; sig != want {
		t.Fatalf("signature %q, want %q", sig, want)
	}
	for _, tc := range []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		tol    time.Duration
		ok     bool
	}{
		{"valid", "whsec_test", sig, body, at.Add(time.Minute), 5 * time.Minute, true},
		{"no tolerance check", "whsec_test", sig, body, at.Add(24 * time.Hour), 0, true},
		{"one of several v1", "whsec_test", sig + ",v1=00", body, at, time.Minute, true},
		{"wrong secret", "whsec_other", sig, body, at, time.Minute, false},
		{"changed body", "whsec_test", sig, append([]byte(" "), body...), at, time.Minute, false},
		{"too old", "whsec_test", sig, body, at.Add(10 * time.Minute), 5 * time.Minute, false},
		{"changed time", "whsec_test", strings.Replace(sig, "t=1773567000", "t=1773567001", 1), body, at, time.Minute, false},
		{"garbage", "whsec_test", "sha256=abc", body, at, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := slate.VerifyWebhook(tc.secret, tc.header, tc.body, tc.now, tc.tol)
			if (err == nil) != tc.ok {
				t.Errorf("VerifyWebhook: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestDeliveryResultErrorClass(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    slate.DeliveryResult
		ok   bool
		want slate.DeliveryErrorClass
	}{
		{slate.DeliveryResult{StatusCode: 200}, true, ""},
		{slate.DeliveryResult{StatusCode: 204}, true, ""},
		{slate.DeliveryResult{StatusCode: 302}, false, slate.DeliveryHTTPStatus},
		{slate.DeliveryResult{StatusCode: 503, Class: slate.DeliveryHTTPStatus}, false, slate.DeliveryHTTPStatus},
		{slate.DeliveryResult{Class: slate.DeliveryBlockedAddress}, false, slate.DeliveryBlockedAddress},
		{slate.DeliveryResult{StatusCode: 200, Class: slate.DeliveryInvalidResponse}, false, slate.DeliveryInvalidResponse},
		{slate.DeliveryResult{}, false, slate.DeliveryInternal},
	} {
		if tc.r.OK() != tc.ok || tc.r.ErrorClass() != tc.want {
			t.Errorf("%+v: OK %v class %q, want %v %q", tc.r, tc.r.OK(), tc.r.ErrorClass(), tc.ok, tc.want)
		}
	}
	var names []string
	for _, c := range slate.DeliveryErrorClasses {
		if c.Text() == string(c) || c.Text() == "" {
			t.Errorf("class %q has no text", c)
		}
		names = append(names, string(c))
	}
	// The API schema's enum is a struct tag: it must list the same classes.
	f, _ := reflect.TypeFor[slate.WebhookDelivery]().FieldByName("LastErrorClass")
	if got := f.Tag.Get("enum"); got != strings.Join(names, ",") {
		t.Errorf("enum tag %q, want %q", got, strings.Join(names, ","))
	}
}
