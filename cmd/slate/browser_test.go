package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"slate/waitfor"
)

// The browser tests drive the real `slate serve` binary from Debian's
// headless Chromium through chromedp. scripts/test installs Chromium and
// sets SLATE_TEST_REQUIRE_BROWSER, so in CI a missing browser fails instead
// of skipping.

// chromium finds the browser, or skips (fails when it is required).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SLATE_TEST_REQUIRE_BROWSER") != "" {
		t.Fatal("Chromium is required (SLATE_TEST_REQUIRE_BROWSER): apt-get install -y chromium")
	}
	t.Skip("no Chromium on this machine: apt-get install -y chromium")
	return ""
}

// artifacts is where screenshots go for a reviewer: artifacts/browser at
// the repository's root (ignored by git), or $SLATE_ARTIFACTS.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SLATE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is one browser tab; each session has its own browser context, so
// two sessions do not share cookies.
type tab struct {
	t      *testing.T
	ctx    context.Context
	base   string
	alerts *[]string
	mu     *sync.Mutex
}

// newBrowser starts a headless Chromium for the test and returns its
// first tab, at width × 900.
func newBrowser(t *testing.T, base string, width int64) *tab {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(width), 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return newTab(t, ctx, base)
}

// serveDesk starts `slate serve` with that many render workers and a
// headless Chromium at desk width on it. Chromium is looked for first, so
// a machine without it skips before a server starts.
func serveDesk(t *testing.T, workers string) (*server, *tab) {
	t.Helper()
	chromium(t)
	srv := startServer(t, t.TempDir(), "--workers", workers, "--poll", "100ms")
	return srv, newBrowser(t, srv.URL, 1280)
}

// session opens a tab in a new browser context of b's browser: another
// person, with cookies of their own.
func (b *tab) session() *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	return newTab(b.t, ctx, b.base)
}

func newTab(t *testing.T, ctx context.Context, base string) *tab {
	t.Helper()
	tb := &tab{t: t, ctx: ctx, base: base, alerts: new([]string), mu: new(sync.Mutex)}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// A page that opens an alert has run script it should not have; the
	// only dialogs Slate opens are its own "Delete …?" confirmations, which
	// are accepted.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			if ev.Type != page.DialogTypeConfirm {
				*tb.alerts = append(*tb.alerts, string(ev.Type)+": "+ev.Message)
			}
			tb.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog,
				page.HandleJavaScriptDialogParams{Accept: ev.Type == page.DialogTypeConfirm})
		}
	}()
	return tb
}

// do runs steps with a hang guard, failing the test with what it was
// doing.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitfor.Guard)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

func (b *tab) fail(what string, err error) {
	b.t.Helper()
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	b.screenshot("failed-" + strings.NewReplacer(" ", "-", "/", "_", "#", "", "[", "", "]", "", "\"", "").Replace(what))
	b.t.Fatalf("%s (at %s): %v", what, loc, err)
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// fill replaces a field's value.
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
}

// testPassword is the password of every account the browser tests make.
const testPassword = "correct horse battery"

// signUp fills the sign-up form the tab shows, then creates the account's
// first organisation on the standard plan, and waits on its page.
func (b *tab) signUp(name, email, org string) {
	b.t.Helper()
	b.fill(`#signup-form input[name=name]`, name)
	b.fill(`#signup-form input[name=email]`, email)
	b.fill(`#signup-form input[name=password]`, testPassword)
	b.submit(`#signup-form button[type=submit]`)
	b.until("the new organisation page", `location.pathname === "/orgs/new"`)
	b.fill(`#org-form input[name=name]`, org)
	b.fill(`#org-form select[name=plan]`, "standard")
	b.submit(`#org-form button[type=submit]`)
	b.until("the organisation page", `location.pathname.startsWith("/orgs/org_")`)
}

func (b *tab) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// submit clicks a control that sends a change and waits until the page
// has settled: the request answered and the fragments it refreshes swapped
// in (the script counts requests in flight on <html data-busy>).
func (b *tab) submit(sel string) {
	b.t.Helper()
	b.click(sel)
	b.until("the page to settle after "+sel, `document.documentElement.dataset.busy === "0"`)
}

// fits reports a page that is wider than the window, which a reader would
// have to scroll sideways.
func (b *tab) fits(width int, page string) {
	b.t.Helper()
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > width {
		b.t.Errorf("%s is %d px wide in a %d px window: it scrolls sideways", page, w, width)
	}
}

// choose sets a select's value and fires change, as a person choosing does.
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	eval[bool](b, fmt.Sprintf(`(() => { const s = document.querySelector(%s); s.value = %s;
		s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, jsString(sel), jsString(value)))
}

// clickText clicks the first element matching sel whose text is text.
func (b *tab) clickText(sel, text string) {
	b.t.Helper()
	expr := fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.textContent.trim() === %s)`, jsString(sel), jsString(text))
	b.until(fmt.Sprintf("%s %q", sel, text), expr)
	eval[bool](b, fmt.Sprintf(`(() => { [...document.querySelectorAll(%s)].find(e => e.textContent.trim() === %s).click(); return true })()`,
		jsString(sel), jsString(text)))
}

// eval evaluates a script expression.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitfor.Guard)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("eval "+expr, err)
	}
	return v
}

// until polls a script expression until it is true. It asks again after
// an error, because a navigation in between destroys the page it asked
// (and may leave the question unanswered: each try has a limit of its own,
// after which it asks again).
func (b *tab) until(what, expr string) {
	b.t.Helper()
	guard := time.Now().Add(waitfor.Guard)
	var last error
	for time.Now().Before(guard) {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	b.fail("wait until "+what, fmt.Errorf("hung (last error: %v)", last))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitfor.Guard)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fail("read "+sel, err)
	}
	return s
}

// screenshot saves the whole page for a reviewer.
func (b *tab) screenshot(name string) {
	img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(artifacts(b.t), name+".png"), img, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// noAlerts fails the test if any page opened an alert or prompt.
func (b *tab) noAlerts() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(*b.alerts) > 0 {
		b.t.Fatalf("pages opened dialogs (script ran that should not): %q", *b.alerts)
	}
}

// downloads sends the browser's downloads to dir and reports each finished
// one's file name there.
func (b *tab) downloads(dir string) <-chan string {
	b.t.Helper()
	done := make(chan string, 4)
	events := chromedp.BrowserEvents(b.ctx, browser.DownloadProgress)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			if ev.State == browser.DownloadProgressStateCompleted {
				done <- filepath.Join(dir, ev.GUID)
			}
		}
	}()
	on := true
	params := browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName,
		DownloadPath: dir, EventsEnabled: &on}
	if c := chromedp.FromContext(b.ctx); c != nil && c.BrowserContextID != "" {
		params.BrowserContextID = c.BrowserContextID
	}
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, params); err != nil {
		b.fail("allow downloads", err)
	}
	return done
}

// apiClient calls the JSON API with a bearer token, for the tests'
// arrangements and for checking what the pages show against the API.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *apiClient) do(method, path string, body, out any) int {
	c.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode
}

func (c *apiClient) must(method, path string, body, out any) {
	c.t.Helper()
	if code := c.do(method, path, body, out); code >= 300 {
		c.t.Fatalf("%s %s: status %d", method, path, code)
	}
}

// login signs in through the API for a token.
func login(t *testing.T, base, email, password string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: base}
	var s struct{ Token string }
	c.must("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, &s)
	c.token = s.Token
	return c
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
