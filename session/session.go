// Package session holds what the API and the web app must agree on about a
// browser's session: the cookie's name and shape, and the CSRF token that
// every state-changing request made with the cookie must carry.
//
// The CSRF token is derived from the session secret, so it needs no storage
// and dies with the session. A page from Slate's own origin learns it (the
// web app writes it into the page); another site cannot, because it can read
// neither the HttpOnly cookie nor Slate's pages.
package session

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"
)

// CookieName is the cookie that carries the session token.
const CookieName = "slate_session"

// CSRFHeader is the request header that carries the CSRF token.
const CSRFHeader = "X-CSRF-Token"

// Cookie returns the session cookie for secret: HttpOnly so scripts cannot
// read it, SameSite=Lax so other sites' forms do not send it, Secure when
// the request came over TLS. A zero expires makes a browser-session cookie.
func Cookie(secret string, expires time.Time, secure bool) http.Cookie {
	return http.Cookie{Name: CookieName, Value: secret, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure}
}

// Expired returns the cookie that deletes the session cookie.
func Expired(secure bool) http.Cookie {
	return http.Cookie{Name: CookieName, Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure}
}

// Secret returns the session token of r's cookie, or "".
func Secret(r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}

// CSRFToken returns the CSRF token of the session with secret. It is a
// one-way hash, so the token reveals nothing of the secret.
func CSRFToken(secret string) string {
	sum := sha256.Sum256([]byte("slate-csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ValidCSRF reports whether r carries the CSRF token of the session with
// secret.
func ValidCSRF(r *http.Request, secret string) bool {
	got := r.Header.Get(CSRFHeader)
	want := CSRFToken(secret)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// Safe reports whether a request's method changes nothing, so it needs no
// CSRF token.
func Safe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}
