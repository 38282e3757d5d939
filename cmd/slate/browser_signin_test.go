package main_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserSignInWithoutScript: with the page's script blocked, the
// sign-up and sign-in forms still work by pressing Enter, as plain posts;
// a wrong password shows the form again with the error; and no page the
// browser goes to ever has the password in its URL.
func TestBrowserSignInWithoutScript(t *testing.T) {
	t.Parallel()
	srv, b := serveDesk(t, "0")
	const email = "noscript@slate.test"
	guess := "not the password 4711"

	blockScript := func(b *tab) {
		t.Helper()
		if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		_, err := chromedp.Call(b.ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
			URLPatterns: []*network.BlockPattern{{URLPattern: srv.URL + "/static/app.js", Block: true}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// noPasswordIn checks the URLs the tab's page was loaded from and is
	// at now, raw or escaped.
	noPasswordIn := func(b *tab, passwords ...string) {
		t.Helper()
		for _, u := range eval[[]string](b, `performance.getEntriesByType("navigation").map(e => e.name).concat([location.href])`) {
			for _, pw := range passwords {
				if strings.Contains(u, pw) || strings.Contains(u, url.QueryEscape(pw)) || strings.Contains(u, url.PathEscape(pw)) {
					t.Errorf("a page's URL holds the password: %s", u)
				}
			}
		}
	}

	blockScript(b)
	b.open("/signup?next=/orgs/new")
	if eval[bool](b, `document.documentElement.dataset.busy !== undefined`) {
		t.Fatal("the page's script ran: blocking it failed, so this test would prove nothing")
	}
	b.fill(`#signup-form input[name=name]`, "No Script")
	b.fill(`#signup-form input[name=email]`, email)
	b.fill(`#signup-form input[name=password]`, testPassword)
	b.do("press Enter", chromedp.SendKeys(chromedp.CSS(`#signup-form input[name=password]`), kb.Enter))
	b.until("the new organisation page, signed in", `location.pathname === "/orgs/new" && !!document.querySelector("#org-form")`)
	noPasswordIn(b, testPassword)

	// Another person's browser: a wrong password first, then the right one.
	other := b.session()
	blockScript(other)
	other.open("/login?next=/orgs/new")
	other.fill(`#login-form input[name=email]`, email)
	other.fill(`#login-form input[name=password]`, guess)
	other.do("press Enter", chromedp.SendKeys(chromedp.CSS(`#login-form input[name=password]`), kb.Enter))
	other.until("the error on the form", `document.querySelector("#login-form [data-errors]")?.textContent.includes("wrong email or password")`)
	if v := eval[string](other, `document.querySelector("#login-form input[name=email]").value`); v != email {
		t.Errorf("the email field holds %q after the error, want it kept", v)
	}
	if eval[string](other, `document.querySelector("#login-form input[name=password]").value`) != "" {
		t.Error("the password was put back into the form")
	}
	noPasswordIn(other, guess)
	other.fill(`#login-form input[name=password]`, testPassword)
	other.do("press Enter", chromedp.SendKeys(chromedp.CSS(`#login-form input[name=password]`), kb.Enter))
	other.until("the page asked for, signed in", `location.pathname === "/orgs/new" && !!document.querySelector("#org-form")`)
	noPasswordIn(other, testPassword, guess)
	b.noAlerts()
	other.noAlerts()
}
