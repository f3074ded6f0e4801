package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/jwt"
)

// The browser tests drive the web client in a real headless Chromium
// (Debian's; nothing is downloaded) against the all-in-one, and save a
// screenshot of each page in the test's artifact directory: with
// `go test -artifacts`, under -outputdir (make test puts them in
// test-output/); otherwise in a temporary directory the log names.

// chromiumPath finds the browser, or skips the test saying how to get one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser tests skipped: no chromium found (apt-get install chromium, or set GT_CHROMIUM)")
	return ""
}

// browser is one tab of a headless Chromium, with the page's console
// errors collected.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string // the screenshot directory
}

// newBrowser starts Chromium; every tab opened from it shares the process.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	shots := t.ArtifactDir()
	t.Logf("screenshots in %s", shots)
	return newTab(t, alloc, base, shots)
}

// newTab opens a tab in the browser of parent (or starts the browser when
// parent is an allocator context).
func newTab(t *testing.T, parent context.Context, base, shots string) *browser {
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	messages := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Errors the page reports fail the test: exceptions, console.error,
	// and browser log entries such as Content-Security-Policy violations.
	// Network entries are the HTTP errors the tests provoke on purpose.
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if (m.IsException() || m.Type == "error") && m.Source != "network" {
				t.Errorf("browser console: %s (%s:%d)", m.Text, m.URL, m.Line)
			}
		}
	}()
	return &browser{t: t, ctx: ctx, base: base, shot: shots}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// waitFor evaluates a JavaScript condition until it is true, across
// navigations (an evaluation that fails while a page loads is retried).
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: %v\npage: %.2000s\nrequests: %s", what, err,
				eval[string](b, `location.href + "\n" + (document.body?.innerText || "")`),
				eval[string](b, `performance.getEntriesByType('resource').map((e) => e.name + ' ' + Math.round(e.duration) + 'ms ' + e.responseStatus).join('\n')`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// open loads a page of the client by its hash route, afresh, and waits for
// its content.
func (b *browser) open(route, ready string) {
	b.t.Helper()
	b.do(chromedp.Navigate("about:blank"), chromedp.Navigate(b.base+"/#"+route))
	b.waitFor(route, fmt.Sprintf("document.body.dataset.page !== undefined && document.querySelector(%q) !== null", ready))
	// Every page names itself, its organisation and the product in the
	// window's title, for tabs, the history and bookmarks.
	if title := eval[string](b, `document.title`); !strings.HasSuffix(title, " · Golden Thread") {
		b.t.Errorf("%s: the window's title %q does not name the page", route, title)
	}
	b.headingsInOrder(route)
}

// headingsInOrder checks that the page's headings go down one level at a
// time from its h1, as axe's heading-order rule asks (and on pages the
// tests do not run axe on): a heading one level deeper than the heading
// before it at most.
func (b *browser) headingsInOrder(page string) {
	b.t.Helper()
	skips := eval[[]string](b, `(() => {
		const out = [];
		let before = 0;
		for (const el of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
			if (!el.getClientRects().length || el.closest('[aria-hidden="true"]')) continue;
			const level = Number(el.tagName[1]);
			if (level > before + 1) out.push('h' + before + ' then h' + level + ' "' + el.textContent.trim().slice(0, 40) + '"');
			before = level;
		}
		return out;
	})()`)
	for _, s := range skips {
		b.t.Errorf("%s: headings skip a level: %s", page, s)
	}
}

// layoutShift is the page's cumulative layout shift since it loaded: the
// sum of its layout-shift entries not caused by input (more than
// Lighthouse's CLS, the worst burst of them, at most), with what moved.
func (b *browser) layoutShift() (total float64, moved []string) {
	b.t.Helper()
	type shifts struct {
		Total float64  `json:"total"`
		Moved []string `json:"moved"`
	}
	got := eval[shifts](b, `new Promise((resolve) => {
		let total = 0;
		const moved = [];
		const describe = (n) => !n ? '(gone)' : n.nodeType === Node.TEXT_NODE ? '"' + n.textContent.trim().slice(0, 40) + '"'
			: n.nodeName.toLowerCase() + (n.id ? '#' + n.id : '') + (typeof n.className === 'string' && n.className ? '.' + n.className.split(' ').join('.') : '');
		const observer = new PerformanceObserver((list) => {
			for (const e of list.getEntries()) {
				if (e.hadRecentInput) continue;
				total += e.value;
				for (const s of e.sources || []) {
					moved.push(describe(s.node) + ' from y ' + Math.round(s.previousRect.y) + ' to ' + Math.round(s.currentRect.y) + ' (' + e.value.toFixed(3) + ')');
				}
			}
		});
		observer.observe({ type: 'layout-shift', buffered: true });
		// The buffered entries come in the observer's first callback, a task
		// later; after two frames and a timeout they all have.
		requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => {
			observer.disconnect();
			resolve({ total, moved });
		}, 50)));
	})`)
	return got.Total, got.Moved
}

// fill sets form fields by name inside the form with the given heading,
// as a person would: each field gets its value, then input and change
// events.
func (b *browser) fill(form string, fields map[string]string) {
	b.t.Helper()
	for name, value := range fields {
		ok := eval[bool](b, fmt.Sprintf(`(() => {
			const f = [...document.querySelectorAll('form')].find((f) => f.querySelector('.form-title')?.textContent === %q);
			const c = f && f.elements.namedItem(%q);
			if (!c) return false;
			c.focus();
			c.value = %q;
			c.dispatchEvent(new Event('input', {bubbles: true}));
			c.dispatchEvent(new Event('change', {bubbles: true}));
			return c.value === %q;
		})()`, form, name, value, value))
		if !ok {
			b.t.Fatalf("form %q: cannot set %s to %q", form, name, value)
		}
	}
}

// submit clicks the submit button of the form with the given heading and
// waits until the form says it is done or shows an error.
func (b *browser) submit(form string) (done, failed string) {
	b.t.Helper()
	find := fmt.Sprintf(`[...document.querySelectorAll('form')].find((f) => f.querySelector('.form-title')?.textContent === %q)`, form)
	eval[bool](b, find+`.querySelector('button[type=submit]').click() || true`)
	// Done when the form says so, or when it has gone (a sign-in moves on
	// to the next page).
	b.waitFor("form "+form, fmt.Sprintf(`(() => { const f = %s; return !f || !f.querySelector('button[type=submit]').disabled &&
		(f.querySelector('.done').textContent !== '' || f.querySelector('.form-error').textContent !== ''); })()`, find))
	if !eval[bool](b, find+` !== undefined`) {
		return "(the page moved on)", ""
	}
	done = eval[string](b, find+`.querySelector('.done').textContent`)
	failed = eval[string](b, fmt.Sprintf(`(() => { const f = %s; return [...f.querySelectorAll('.error')].map((e) => e.textContent).filter(Boolean).join(' | '); })()`, find))
	return done, failed
}

// mustSubmit submits a form that must succeed.
func (b *browser) mustSubmit(form string) {
	b.t.Helper()
	if done, failed := b.submit(form); failed != "" || done == "" {
		b.t.Fatalf("form %q: %s", form, failed)
	}
}

// screenshot saves the whole page as name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shot, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn signs in with a token through the sign-in form.
func (b *browser) signIn(token string) {
	b.t.Helper()
	b.open("/signin", "input[name=token]")
	b.fill("Sign in with a token", map[string]string{"token": token})
	b.mustSubmit("Sign in with a token")
	b.waitFor("the organisations", `document.body.dataset.page === 'home' && document.querySelector('#organisations') !== null`)
}

// accessibility checks what can be checked automatically: every form
// control has a label, every button, link and tree item a name, images a
// text alternative, and text a contrast of at least 4.5:1 (3:1 when large)
// against its background (WCAG 2.1 AA).
func (b *browser) accessibility(page string) {
	b.t.Helper()
	problems := eval[[]string](b, `(() => {
		const out = [];
		const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
		const named = (el) => (el.getAttribute('aria-label') || '').trim() ||
			(el.getAttribute('aria-labelledby') || '').split(' ').map((id) => document.getElementById(id)?.textContent || '').join('').trim() ||
			(el.textContent || '').trim() || (el.title || '').trim();
		for (const c of document.querySelectorAll('input, select, textarea')) {
			if (c.type === 'hidden') continue;
			if (!c.labels.length && !named(c)) out.push('no label: ' + c.outerHTML.slice(0, 80));
		}
		for (const el of document.querySelectorAll('button, a[href], [role=treeitem], [role=img], [role=tree]')) {
			if (!visible(el)) continue;
			if (!named(el)) out.push('no accessible name: ' + el.outerHTML.slice(0, 80));
		}
		const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
		const lum = ([r, g, b]) => {
			const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
			return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
		};
		const background = (el) => {
			for (let e = el; e; e = e.parentElement) {
				const c = rgb(getComputedStyle(e).backgroundColor);
				if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) return c;
			}
			return [255, 255, 255];
		};
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		const seen = new Set();
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const el = n.parentElement;
			if (!n.textContent.trim() || seen.has(el) || !visible(el) || el.closest('svg, .visually-hidden, option')) continue;
			seen.add(el);
			const st = getComputedStyle(el);
			const fg = rgb(st.color);
			const l1 = lum(fg); const l2 = lum(background(el));
			const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
			const size = parseFloat(st.fontSize); const bold = Number(st.fontWeight) >= 700;
			const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
			if (ratio < need) out.push('contrast ' + ratio.toFixed(2) + ' < ' + need + ': "' + n.textContent.trim().slice(0, 40) + '"');
		}
		return out;
	})()`)
	for _, p := range problems {
		b.t.Errorf("%s: %s", page, p)
	}
	b.axe(page)
}

// axePath is where `npm ci --prefix .ci/axe` (which .ci/run does) puts
// axe-core, relative to this package; GT_AXE names another copy.
const axePath = "../../.ci/axe/node_modules/axe-core/axe.min.js"

// axeSource is axe-core's script, read once.
var axeSource = sync.OnceValues(func() (string, error) {
	path := cmp.Or(os.Getenv("GT_AXE"), axePath)
	src, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("axe not run: %w (npm ci --prefix .ci/axe installs axe-core; GT_AXE names another axe.min.js)", err)
	}
	return string(src), nil
})

// axe runs axe-core's WCAG 2.x A and AA rules on the page, as a subtest
// (skipped, saying why, when axe-core is not installed), and fails on
// every serious or critical violation, and on headings that skip a level
// (heading-order, only moderate, but it leaves a screen reader's outline of
// the page with gaps).
func (b *browser) axe(page string) {
	b.t.Helper()
	b.t.Run("axe "+page, func(t *testing.T) {
		src, err := axeSource()
		if err != nil {
			t.Skip(err)
		}
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === 'object'`))
		if err == nil && !loaded {
			_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src))
		}
		if err != nil {
			t.Fatalf("load axe: %v", err)
		}
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {
				runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
				resultTypes: ['violations'],
			}).then((r) => r.violations
				.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'heading-order')
				.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ': ' + v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')))`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("run axe: %v", err)
		}
		for _, v := range violations {
			t.Errorf("%s: %s", page, v)
		}
	})
}

// hover moves the mouse over the middle of the element sel names.
func (b *browser) hover(sel string) {
	b.t.Helper()
	xy := eval[[]float64](b, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		el.scrollIntoView({block: 'center', inline: 'center'});
		const r = el.getBoundingClientRect();
		return [r.x + r.width / 2, r.y + r.height / 2];
	})()`, sel))
	b.do(chromedp.MouseEvent("mouseMoved", xy[0], xy[1]))
}

// tabTo presses Tab until the JavaScript condition holds, as a keyboard
// user moving through the page would.
func (b *browser) tabTo(js, what string) {
	b.t.Helper()
	for range 60 {
		b.do(chromedp.KeyEvent(kb.Tab))
		if eval[bool](b, "Boolean("+js+")") {
			return
		}
	}
	b.t.Fatalf("Tab never reaches %s", what)
}

// fitsWidth checks that the page needs no sideways scrolling.
func (b *browser) fitsWidth(page string) {
	b.t.Helper()
	if over := eval[float64](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 1 {
		b.t.Errorf("%s: %v pixels wider than the phone's screen", page, over)
	}
}

// TestWebClient: sign in, see the example, build a small plan, record a
// value that turns a KPI red and watch the strategy map, open in another
// tab for another person, turn red without reloading.
func TestWebClient(t *testing.T) {
	chromiumPath(t)
	dataDir := t.TempDir()
	// Webhooks may reach the test's own receiver, on loopback over http.
	p, _ := launch(t, dataDir, "-webhooks-allow-private", "-webhooks-allow-http")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := loadDemo(ctx, p, dataDir, brokertest.Logger()); err != nil {
		t.Fatalf("demo: %v", err)
	}
	base := "http://" + p.httpAddr
	b := newBrowser(t, base)

	// Sign-in: a bad token is refused next to the field.
	b.open("/", "input[name=token]")
	b.accessibility("sign-in")
	b.screenshot("01-sign-in")
	b.fill("Sign in with a token", map[string]string{"token": "gt_not.a-token"})
	if _, failed := b.submit("Sign in with a token"); !strings.Contains(failed, "not valid") {
		t.Fatalf("a bad token: %q", failed)
	}
	if eval[string](b, `document.querySelector('input[name=token]').getAttribute('aria-invalid')`) != "true" {
		t.Error("the token field is not marked invalid")
	}
	b.signIn(p.adminToken)
	b.waitFor("the example organisation", `document.body.innerText.includes('Northshire Care Service')`)
	b.screenshot("02-organisations")

	// Overview: the team tree with each team's thematic goal, days left and
	// health, its defining and standard operating objectives.
	b.open("/o/northshire-care", "#team-tree .team")
	b.waitFor("the thematic goals now, at a glance", `document.getElementById('glance').innerText.includes('Thematic goals now') &&
		document.getElementById('glance').innerText.includes('Put the Train on the Tracks')`)
	b.waitFor("the thematic goals", `document.body.innerText.includes('Put the Train on the Tracks') && /\d+ days? left/.test(document.body.innerText)`)
	for _, want := range []string{"Craft Our Culture", "Clarify Our Culture", "Energize!", "A training calendar",
		"Consistent training expectations and outcomes", "Customer satisfaction", "Defining objectives", "Standard operating objectives"} {
		if !eval[bool](b, fmt.Sprintf(`document.getElementById('team-tree').innerText.includes(%q)`, want)) {
			t.Errorf("overview: no %q", want)
		}
	}
	// The overview shows in one piece: nothing on it moves as it loads
	// (Lighthouse's "good" cumulative layout shift is 0.1 at most).
	cls, moved := b.layoutShift()
	if cls > 0.1 {
		t.Errorf("overview: layout shift %.3f while it loads, want at most 0.1; what moved: %s", cls, strings.Join(moved, "; "))
	}
	t.Logf("overview: layout shift %.4f while it loads", cls)
	if got, want := eval[string](b, `document.title`), "Overview · Northshire Care Service · Golden Thread"; got != want {
		t.Errorf("overview: the window's title is %q, want %q", got, want)
	}
	// The page's icon, in the product's colours.
	if got := eval[string](b, `fetch(document.querySelector('link[rel=icon]').href).then((r) => r.status + ' ' + r.headers.get('Content-Type'))`); got != "200 image/svg+xml" {
		t.Errorf("the icon: %s", got)
	}
	b.accessibility("overview")
	b.screenshot("03-overview")

	// Strategy map, drawn as a map: the plan's five levels as columns of
	// cards, each saying its level, title and health in words, and the
	// links between them drawn behind (a defining objective's to its
	// thematic goal among them).
	b.open("/o/northshire-care/map", "#map-board .map-card")
	if got, want := eval[string](b, `document.title`), "Strategy map · Northshire Care Service · Golden Thread"; got != want {
		t.Errorf("strategy map: the window's title is %q, want %q", got, want)
	}
	b.waitFor("the links drawn", `document.querySelectorAll('#map-board svg path').length > 0 &&
		[...document.querySelectorAll('#map-board svg path')].every((p) => /^M[-\d.]+ [-\d.]+ C/.test(p.getAttribute('d') || ''))`)
	if got := eval[string](b, `[...document.querySelectorAll('#map-board .map-column')].map((c) => c.getAttribute('aria-label') + ' ' +
		c.querySelectorAll('.map-card').length).join(', ')`); got != "Vision 1, Mission 1, Objectives 12, Strategies 8, Tactics 9" {
		t.Errorf("the map's columns: %s", got)
	}
	if n := eval[int](b, `document.querySelectorAll('#map-board path.link-parent').length`); n != 30 {
		t.Errorf("the map draws %d links to parents, want 30 (every element but the vision)", n)
	}
	if n := eval[int](b, `document.querySelectorAll('#map-board path.link-goal[data-to="organisations/northshire-care/elements/train-on-tracks"]').length`); n != 2 {
		t.Errorf("the map draws %d links to the thematic goal Put the Train on the Tracks, want its 2 defining objectives'", n)
	}
	if bad := eval[[]string](b, `[...document.querySelectorAll('#map-board .map-card')].filter((c) => !c.querySelector('.level')?.textContent ||
		!c.querySelector('.title')?.textContent || !c.querySelector('[data-health]')?.textContent || !/\d+%/.test(c.textContent)).map((c) => c.dataset.name)`); len(bad) > 0 {
		t.Errorf("cards without their level, title, health in words or progress: %v", bad)
	}
	if got := eval[string](b, `document.querySelector('#map-board [data-id="train-on-tracks"]').textContent`); !strings.Contains(got, "Thematic goal") ||
		!strings.Contains(got, "Put the Train on the Tracks") {
		t.Errorf("the thematic goal's card says %q", got)
	}
	b.accessibility("strategy map, as a map")
	b.screenshot("04a-strategy-map-cards")

	// Pointing at a tactic lights its golden thread, up through its
	// objective's thematic goal to the vision, and dims the rest.
	b.hover(`#map-board [data-id="trainer-course"]`)
	b.waitFor("the tactic's thread lit", `document.querySelector('[data-id="trainer-course"]').classList.contains('is-active') &&
		document.querySelector('[data-id="train-on-tracks"]').classList.contains('on-thread') &&
		document.querySelector('[data-id="vision"]').classList.contains('on-thread') &&
		document.querySelector('[data-id="craft-culture"]').classList.contains('off-thread') &&
		document.querySelector('#map-board path.link-goal.lit[data-to$="/train-on-tracks"]') !== null &&
		document.querySelector('#map-board path.link-parent.dim') !== null`)
	if note := eval[string](b, `document.querySelector('[data-id="train-on-tracks"] .thread-note').textContent`); !strings.Contains(note, "golden thread") {
		t.Errorf("a card on the lit thread says %q to those who do not see the colour", note)
	}
	b.screenshot("04b-thread-highlighted")

	// The keyboard: one tab stop into the map; Right follows the links,
	// Down goes down a column, and the focused card lights its thread;
	// Enter shows the element's thread up to the vision.
	b.do(chromedp.MouseEvent("mouseMoved", 1, 1))
	b.do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.scrollTo(0, 0)`))
	b.tabTo(`document.activeElement.classList.contains('map-card')`, "the map")
	for _, step := range []struct{ key, want string }{
		{"", "vision"}, {kb.ArrowRight, "mission"}, {kb.ArrowRight, "clarify-culture"}, {kb.ArrowDown, "expectations"},
		{kb.ArrowRight, "manager-charter"}, {kb.ArrowRight, "charter-sessions"}, {kb.ArrowDown, "run-workshops"}, {kb.ArrowUp, "charter-sessions"},
	} {
		if step.key != "" {
			b.do(chromedp.KeyEvent(step.key))
		}
		if got := eval[string](b, `document.activeElement.dataset.id || ''`); got != step.want {
			t.Fatalf("the map's keyboard: %q reaches %q, want %q", step.key, got, step.want)
		}
	}
	if !eval[bool](b, `document.querySelector('[data-id="clarify-culture"]').classList.contains('on-thread') &&
		document.querySelector('[data-id="energize"]').classList.contains('off-thread')`) {
		t.Error("the focused tactic does not light its thread")
	}
	b.do(chromedp.KeyEvent(kb.Enter))
	b.waitFor("the chosen tactic's thread", `document.getElementById('detail-title')?.textContent === 'Charter sessions in each region' &&
		document.querySelector('.thread').innerText.includes('Every family in Northshire') && document.querySelector('.thread').innerText.includes('Clarify Our Culture')`)
	if n := eval[int](b, `document.querySelectorAll('.thread li').length`); n != 6 {
		t.Errorf("the thread of a tactic chosen on the map has %d elements, want 6", n)
	}
	if !eval[bool](b, `location.hash.includes('el=charter-sessions') && document.querySelector('[data-id="charter-sessions"]').getAttribute('aria-current') === 'true'`) {
		t.Errorf("the chosen card is not kept in the address and marked: %s", eval[string](b, `location.hash`))
	}
	b.accessibility("strategy map, an element chosen")
	b.screenshot("04c-map-element-chosen")

	// The list: the keyboard reaches the tree; Left collapses, Right
	// expands; choosing an element shows its thread up to the vision.
	b.open("/o/northshire-care/map?view=list", "[role=tree] [role=treeitem]")
	b.do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.scrollTo(0, 0)`))
	b.tabTo(`document.activeElement.getAttribute('role') === 'treeitem'`, "the tree")
	b.do(chromedp.KeyEvent(kb.ArrowLeft))
	if got := eval[string](b, `document.activeElement.getAttribute('aria-expanded')`); got != "false" {
		t.Errorf("ArrowLeft on the vision: aria-expanded %q, want false", got)
	}
	b.do(chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowDown))
	if got := eval[string](b, `document.activeElement.dataset.id`); got != "mission" {
		t.Errorf("ArrowRight, ArrowDown from the vision reach %q, want mission", got)
	}
	b.do(chromedp.Click(`[data-id="trainer-course"] > .row`))
	b.waitFor("the golden thread", `document.querySelector('.thread') !== null && document.querySelector('.thread').innerText.includes('Every family in Northshire')`)
	if n := eval[int](b, `document.querySelectorAll('.thread li').length`); n != 6 {
		t.Errorf("the thread of a tactic has %d elements, want 6 (tactic to vision, through its objective's thematic goal)", n)
	}
	if !eval[bool](b, `document.querySelector('.thread').innerText.toLowerCase().includes('thematic goal') && document.querySelector('.thread').innerText.includes('Put the Train on the Tracks')`) {
		t.Error("the thread does not pass through the thematic goal")
	}
	b.accessibility("strategy map, as a list")
	b.screenshot("04d-strategy-map-list")
	// Filter by team and status.
	b.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('filter-team'); s.value = 'organisations/northshire-care/teams/west';
		s.dispatchEvent(new Event('change', {bubbles: true})); })()`))
	b.waitFor("the filtered map", `!document.getElementById('map-tree').innerText.includes('Craft Our Culture') && document.getElementById('map-tree').innerText.includes('Energize!')`)
	b.screenshot("05-strategy-map-west")
	// The filters hold for the map too.
	b.do(chromedp.Click(`.view-switch [data-view=map]`))
	b.waitFor("the filtered map", `!document.getElementById('map-board').innerText.includes('Craft Our Culture') &&
		document.getElementById('map-board').innerText.includes('Energize!') && document.querySelector('#map-board path') !== null &&
		location.hash.includes('team=west') && !location.hash.includes('view=list')`)
	b.screenshot("05b-strategy-map-west-as-map")

	// KPI page: the chart of values against targets and bands, the values.
	b.open("/o/northshire-care/kpis/trainers-trained", "svg.chart circle")
	if got, want := eval[string](b, `document.title`), "Trainers trained to the standard · KPI · Northshire Care Service · Golden Thread"; got != want {
		t.Errorf("KPI page: the window's title is %q, want %q", got, want)
	}
	if n := eval[int](b, `document.querySelectorAll('svg.chart .points circle').length`); n != 12 {
		t.Errorf("chart: %d points, want 12", n)
	}
	if eval[int](b, `document.querySelectorAll('svg.chart .band').length`) == 0 || eval[int](b, `document.querySelectorAll('svg.chart .target').length`) != 1 {
		t.Error("chart: no threshold bands or no target line")
	}
	b.accessibility("KPI")
	b.screenshot("06-kpi")
	b.open("/o/northshire-care/kpis", "table.data tbody tr")
	b.screenshot("07-kpis")
	b.open("/o/northshire-care/report", "#report .summary")
	b.accessibility("integrity report")
	b.screenshot("08-integrity-report")
	// The report pack of the plan the map shows, for a committee: as a
	// PDF and as a web page (cmd/goldenthread's TestReportPack reads one).
	b.open("/o/northshire-care/map", "#pack-pdf")
	for _, form := range []string{"PDF", "HTML"} {
		eval[bool](b, `document.getElementById('pack-`+strings.ToLower(form)+`').click() || true`)
		b.waitFor("the report pack as "+form, `document.querySelector('.pack-bar [role=status]').innerText === 'Report pack downloaded (`+form+`).' &&
			performance.getEntriesByType('resource').some((e) => e.name.includes(':report') && e.responseStatus === 200)`)
	}
	b.accessibility("the report pack buttons")

	// A team's page: its part of the plan at a glance, with the teams
	// under it; the overview's team cards lead there.
	b.open("/o/northshire-care", "#team-tree .team")
	eval[bool](b, `document.querySelector('#team-tree a[href="#/o/northshire-care/teams/east"]').click() || true`)
	b.waitFor("the east team's page", `document.querySelector('h1')?.innerText === 'East Provincial Management Group' &&
		document.getElementById('team-about').innerText.includes('Reports to Regional Service Directors') &&
		document.getElementById('team-about').innerText.includes('Teams under it Training Team') &&
		document.querySelector('#glance .counts') !== null`)
	if got := eval[string](b, `document.getElementById('glance').innerText`); !strings.Contains(got, "Put the Train on the Tracks") ||
		strings.Contains(got, "Craft Our Culture") || !strings.Contains(got, "days left") {
		t.Errorf("the east team at a glance shows %q; want its thematic goal with days left, not the national team's", got)
	}
	b.accessibility("team page")
	b.screenshot("08a-team-at-a-glance")
	// What turned red this month: the councils' visions, red since the
	// company's KPI did (the demo loads it today).
	b.open("/o/northvale", "#glance .turned-red")
	b.waitFor("what turned red this month", `document.querySelector('#glance .turned-red').innerText.includes('Northvale: a borough where every resident can thrive') &&
		document.querySelector('#glance .turned-red').innerText.includes('off track since')`)

	// Owners: the platform admin sees who owns the company and what a
	// council owns; a council's chief executive reads the company through
	// the council, and is told so.
	b.open("/o/valley-shared-services", "#ownership a")
	b.waitFor("the company's owners", `document.getElementById('ownership').innerText.includes('Owned by Eastvale City Council, Northvale Borough Council, Southvale District Council')`)
	b.open("/o/northvale", "#ownership a")
	b.waitFor("what the council owns", `document.getElementById('ownership').innerText.includes('Owns Valley Shared Services Ltd')`)
	nia := newTab(t, b.ctx, base, b.shot)
	nia.signIn(jwtFor(t, dataDir, "nia"))
	nia.waitFor("the council and the company it owns", `document.getElementById('organisations')?.innerText.includes('Valley Shared Services Ltd') &&
		document.getElementById('organisations').innerText.includes('Northvale Borough Council') &&
		!document.getElementById('organisations').innerText.includes('Northshire Care Service')`)
	nia.open("/o/valley-shared-services", "#team-tree .team")
	nia.waitFor("why the council reads the company", `document.getElementById('ownership').innerText.includes('You read this organisation as a member of its owner, Northvale Borough Council')`)
	if who := eval[string](nia, `document.getElementById('who').innerText`); !strings.Contains(who, "Nia Roberts") {
		t.Errorf("the signed-in person is shown as %q, want their name", who)
	}
	nia.accessibility("owned organisation")
	nia.screenshot("08b-owned-organisation")
	// The company's red KPI shows on the council's vision, which the
	// company's customer satisfaction serves; its thread says so.
	// The council's overview, at a glance: its vision off track, from the company.
	nia.open("/o/northvale", "#glance .counts")
	nia.waitFor("the council at a glance", `document.getElementById('glance').innerText.includes('Off track at the top of the plan') &&
		document.getElementById('glance').innerText.includes('from Customer satisfaction (valley-shared-services)') &&
		!document.getElementById('glance').innerText.includes('null')`)
	nia.accessibility("at a glance")
	nia.screenshot("08b2-at-a-glance")
	nia.open("/o/northvale/map", "[data-id=vision]")
	nia.waitFor("the council's vision off track", `document.querySelector('[data-id=vision] [data-health]')?.dataset.health === 'HEALTH_OFF_TRACK'`)
	// On the council's map, the company's objective that serves its vision
	// sits among the other organisations, its link drawn across.
	company := `document.querySelector('.map-others [data-name="organisations/valley-shared-services/elements/customer-satisfaction"]')`
	nia.waitFor("the company on the council's map", company+`?.innerText.includes('Customer satisfaction') && `+company+`.innerText.includes('valley-shared-services') &&
		document.querySelector('#map-board path.link-across[data-from$="valley-shared-services/elements/customer-satisfaction"][data-to="organisations/northvale/elements/vision"]')?.getAttribute('d')`)
	if !eval[bool](nia, company+`.getAttribute('href') === '#/o/valley-shared-services/map?el=customer-satisfaction'`) {
		t.Error("the company's card does not open the company's map")
	}
	if !eval[bool](nia, `document.querySelector('#map-board [data-id=vision]').innerText.includes('Off track')`) {
		t.Error("the council's vision card does not say it is off track")
	}
	nia.hover(`.map-others [data-name$="valley-shared-services/elements/customer-satisfaction"]`)
	nia.waitFor("the thread across organisations lit", `document.querySelector('#map-board [data-id=vision]').classList.contains('on-thread') &&
		document.querySelector('#map-board path.link-across.lit') !== null`)
	nia.accessibility("the council's map, across organisations")
	nia.screenshot("08c2-council-map-across-organisations")
	// On the company's map, the councils it serves; those nia may not read
	// are stubs that name their organisation, never their title.
	nia.open("/o/valley-shared-services/map", ".map-others .map-card")
	stubs := eval[[]string](nia, `[...document.querySelectorAll('.map-others .map-card[aria-disabled=true]')].map((c) => c.innerText.replace(/\s+/g, ' '))`)
	if len(stubs) != 2 || !strings.Contains(strings.Join(stubs, "|"), "An element of southvale, not shared with you") ||
		strings.Contains(strings.Join(stubs, "|"), "Southvale: safe") {
		t.Errorf("the company's map to a member of one owner: stubs %q", stubs)
	}
	if n := eval[int](nia, `document.querySelectorAll('#map-board path.link-across').length`); n != 3 {
		t.Errorf("the company's map draws %d links across organisations, want 3 (one to each council's vision)", n)
	}
	nia.accessibility("the company's map, with stubs")
	nia.screenshot("08c3-company-map-stubs")
	nia.open("/o/northvale/map?el=vision", ".drivers")
	nia.waitFor("what puts the council's vision off track", `document.querySelector('.drivers').innerText.includes('Customer satisfaction') &&
		document.querySelector('.drivers').innerText.includes('valley-shared-services, supports it')`)
	nia.accessibility("health drivers")
	nia.screenshot("08c-health-from-the-company")
	nia.open("/o/valley-shared-services/map?el=customer-satisfaction", ".thread")
	nia.waitFor("the company's objective threaded up to the councils' visions", `document.querySelector('.thread').innerText.includes('Northvale: a borough where every resident can thrive') &&
		document.querySelector('.thread').innerText.toLowerCase().includes('supported') &&
		document.querySelector('.thread').innerText.includes('an element of southvale, not shared with you') &&
		document.querySelector('.thread a[href="#/o/northvale/map?el=vision"]') !== null`)
	nia.screenshot("08d-thread-across-organisations")

	// A link request from the company to a plan it does not belong to:
	// the agency's planner accepts it on the overview; then the company's
	// objective may serve the agency's vision.
	if code, body := httpDo(t, p.adminToken, "POST", base+"/v1/organisations/northshire-care/linkRequests",
		`{"element": "organisations/valley-shared-services/elements/customer-satisfaction",
		  "target": "organisations/northshire-care/elements/vision", "message": "We answer your families' calls too."}`); code != 200 {
		t.Fatalf("link request: %d %s", code, body)
	}
	b.open("/o/northshire-care", "#link-requests li")
	b.waitFor("the pending request", `document.querySelector('#link-requests [data-state]')?.dataset.state === 'STATE_PENDING' &&
		document.getElementById('link-requests').innerText.includes('Customer satisfaction (valley-shared-services) would support Every family in Northshire')`)
	b.accessibility("link requests")
	b.screenshot("08e-link-request")
	eval[bool](b, `[...document.querySelectorAll('#link-requests button')].find((x) => x.textContent === 'Accept: Customer satisfaction').click() || true`)
	b.waitFor("the accepted request", `document.querySelector('#link-requests [data-state]')?.dataset.state === 'STATE_ACCEPTED'`)
	if code, body := httpDo(t, p.adminToken, "PATCH", base+"/v1/organisations/valley-shared-services/elements/customer-satisfaction?update_mask=supports",
		`{"supports": ["organisations/northvale/elements/vision", "organisations/northshire-care/elements/vision"]}`); code != 200 {
		t.Errorf("supporting the partner's vision once accepted: %d %s", code, body)
	}

	// From the map: a planner asks a partner to link an element, and the
	// element's "also supports" refuses, next to the field, an element of
	// an organisation that neither owns the company nor accepted.
	b.open("/o/valley-shared-services/map?el=first-contact", ".thread")
	b.fill("Ask another organisation to link", map[string]string{"target": "organisations/northshire-care/elements/mission",
		"message": "Our first-contact work serves your mission."})
	if done, failed := b.submit("Ask another organisation to link"); !strings.Contains(done, "Asked northshire-care") {
		t.Errorf("asking for a link: done %q, failed %q", done, failed)
	}
	b.fill("Change this element", map[string]string{"supports": "organisations/northshire-care/elements/mission"})
	if done, failed := b.submit("Change this element"); done != "" || !strings.Contains(failed, "accepted no link request") {
		t.Errorf("supporting an element without a link: done %q, errors %q", done, failed)
	}
	b.accessibility("link from the map")
	b.screenshot("08f-link-from-the-map")

	// Leadership decides what, managers decide how: Cat leads the east
	// team, a contributor; she checks in on the training team's tactic (a
	// team under hers), and the map says so with her name.
	cat := newTab(t, b.ctx, base, b.shot)
	cat.signIn(jwtFor(t, dataDir, "cat"))
	// Her home page is her work: her team's thematic goal wants its weekly check-in.
	cat.waitFor("Cat's work", `document.getElementById('my-work')?.innerText.includes('Check in on Put the Train on the Tracks')`)
	cat.accessibility("my work")
	cat.screenshot("08g0-my-work")
	// As a lead she plans the how: a tactic under the training team's
	// strategy (a team under hers).
	cat.open("/o/northshire-care/map?el=train-trainers", ".thread")
	cat.fill("Add an element", map[string]string{"title": "Pair new trainers with a mentor", "owner_team": "organisations/northshire-care/teams/training",
		"element_id": "mentors"})
	if done, failed := cat.submit("Add an element"); !strings.Contains(done, "Created Pair new trainers") {
		t.Errorf("a team lead adding a tactic: done %q, failed %q", done, failed)
	}
	cat.open("/o/northshire-care/map?el=trainer-course", ".thread")
	cat.fill("Post a check-in", map[string]string{"assessment": "HEALTH_AT_RISK", "progress": "65",
		"summary": "Two courses ran; one trainer is off sick.", "next_steps": "Run the spring course.", "blockers": "A stand-in trainer.", "public": "true"})
	if done, failed := cat.submit("Post a check-in"); done != "Checked in." {
		t.Errorf("posting a check-in: done %q, failed %q", done, failed)
	}
	cat.waitFor("the check-in on the map", `document.querySelector('.check-ins')?.innerText.includes('Cat Lindqvist') &&
		document.querySelector('.check-ins').innerText.includes('Two courses ran') &&
		document.querySelector('[data-id="trainer-course"] .check-in-note')?.innerText.includes('Checked in')`)
	// An empty summary is refused next to its field.
	cat.fill("Post a check-in", map[string]string{"summary": ""})
	if done, failed := cat.submit("Post a check-in"); done != "" || failed == "" {
		t.Errorf("a check-in without a summary: done %q, errors %q", done, failed)
	}
	cat.accessibility("check-ins")
	cat.screenshot("08g-check-in")
	// She asks Ana, mentioning her; Ana finds it in her work.
	cat.fill("Add a comment", map[string]string{"text": "@ana can we borrow a trainer from the west for the spring course?"})
	if done, failed := cat.submit("Add a comment"); done != "Commented." {
		t.Errorf("commenting: done %q, failed %q", done, failed)
	}
	cat.waitFor("the comment", `document.querySelector('#detail > .discussion .comments')?.innerText.includes('Cat Lindqvist') &&
		document.querySelector('#detail > .discussion .comments').innerText.includes('Mentions Ana Okafor')`)
	cat.fill("Add a comment", map[string]string{"text": "@nobody hello"})
	if done, failed := cat.submit("Add a comment"); done != "" || !strings.Contains(failed, "no such person") {
		t.Errorf("mentioning nobody: done %q, errors %q", done, failed)
	}
	// A reply to her check-in, and a question on the KPI, mentioning Ana.
	eval[bool](cat, `document.querySelector('.check-ins .replies summary').click() || true`)
	cat.fill("Add a comment: replies", map[string]string{"text": "The stand-in starts Monday."})
	if done, failed := cat.submit("Add a comment: replies"); done != "Commented." {
		t.Errorf("replying to a check-in: done %q, failed %q", done, failed)
	}
	cat.screenshot("08h-comment")
	cat.open("/o/northshire-care/kpis/trainers-trained", "svg.chart circle")
	cat.fill("Add a comment", map[string]string{"text": "@ana is 90% still the target for next year?"})
	if done, failed := cat.submit("Add a comment"); done != "Commented." {
		t.Errorf("commenting on a KPI: done %q, failed %q", done, failed)
	}
	cat.accessibility("KPI discussion")
	ana := newTab(t, b.ctx, base, b.shot)
	ana.signIn(jwtFor(t, dataDir, "ana"))
	ana.waitFor("Ana's mentions", `document.querySelector('#my-work [data-kind="KIND_MENTION"]')?.innerText.includes("You were mentioned on Run the trainers' course") &&
		document.getElementById('my-work').innerText.includes('You were mentioned on Trainers trained to the standard')`)
	ana.screenshot("08i-mentioned")
	// An admin lets viewers join the discussion; then Eve, a viewer, may comment.
	b.open("/o/northshire-care", "#team-tree .team")
	b.fill("Discussion", map[string]string{"viewers_may_comment": "true"})
	if done, failed := b.submit("Discussion"); done != "Saved." {
		t.Errorf("letting viewers comment: done %q, failed %q", done, failed)
	}
	eve := newTab(t, b.ctx, base, b.shot)
	eve.signIn(jwtFor(t, dataDir, "eve"))
	eve.open("/o/northshire-care/map?el=trainer-course", ".comments")
	eve.fill("Add a comment", map[string]string{"text": "Good to see the courses running."})
	if done, failed := eve.submit("Add a comment"); done != "Commented." {
		t.Errorf("a viewer commenting where viewers may: done %q, failed %q", done, failed)
	}
	// What happened this week, for the newsletter: Cat's check-in, the
	// demo's values and health changes; the east group's shows her
	// check-in (on the training team's work), the west group's does not.
	b.open("/o/northshire-care/digest", "#digest-check-ins")
	b.waitFor("the week's digest", `document.getElementById('digest').innerText.includes('Two courses ran; one trainer is off sick.') &&
		document.getElementById('digest').innerText.includes('Cat Lindqvist') &&
		document.querySelectorAll('#digest section')[2].querySelectorAll('li').length > 0`)
	b.accessibility("digest")
	b.screenshot("08j-digest")
	b.open("/o/northshire-care/digest?team=west", "#digest-check-ins")
	b.waitFor("the west group's digest", `document.getElementById('digest').innerText.includes('No check-in in this period.')`)

	// History: Ana, a planner, renames the trainers' course and asks for
	// fortnightly check-ins; its history says who changed what from what
	// to what (the enum in words), and she restores the name
	// it had. The change log lists it by her name, filtered to her
	// changes; Cat, a contributor, has no change log.
	ana.open("/o/northshire-care/map?el=trainer-course", ".thread")
	ana.fill("Change this element", map[string]string{"title": "Run the trainers' course twice", "check_in_frequency": "CHECK_IN_FREQUENCY_FORTNIGHTLY"})
	if done, failed := ana.submit("Change this element"); done != "Saved." {
		t.Errorf("renaming: done %q, failed %q", done, failed)
	}
	eval[bool](ana, `document.querySelector('.history-panel summary').click() || true`)
	ana.waitFor("the rename in the history", `document.querySelector('.revisions')?.innerText.includes('Ana Okafor changed it') &&
		document.querySelector('.revisions').innerText.includes("Title: Run the trainers' course → Run the trainers' course twice") &&
		/Check in frequency: .* → Fortnightly/.test(document.querySelector('.revisions').innerText)`)
	ana.accessibility("history")
	ana.screenshot("08k-history")
	eval[bool](ana, `[...document.querySelectorAll('.revisions button')][0].click() || true`)
	ana.waitFor("the name restored", `document.getElementById('detail-title')?.textContent === "Run the trainers' course" &&
		document.querySelector('.revisions').innerText.includes("Title: Run the trainers' course twice → Run the trainers' course")`)
	ana.open("/o/northshire-care/changes", "#changes tbody tr")
	ana.waitFor("the change log", `document.getElementById('changes').innerText.includes('Ana Okafor') &&
		document.getElementById('changes').innerText.includes("Plan elements: Run the trainers' course")`)
	eval[bool](ana, `(() => { const s = document.getElementById('changes-actor'); s.value = 'user:ana'; s.dispatchEvent(new Event('change', { bubbles: true })); return true; })()`)
	ana.waitFor("Ana's changes only", `location.hash.includes('actor=user%3Aana') && [...document.querySelectorAll('#changes tbody tr')].length > 0 &&
		[...document.querySelectorAll('#changes tbody tr')].every((r) => r.children[1].innerText === 'Ana Okafor')`)
	ana.accessibility("change log")
	ana.screenshot("08l-change-log")
	// A KPI retired: its status is final and says why; then reopened.
	ana.open("/o/northshire-care/kpis/trainers-trained", "svg.chart circle")
	for _, retired := range []string{"true", "false"} {
		ana.fill("Change this KPI", map[string]string{"retired": retired})
		if done, failed := ana.submit("Change this KPI"); done != "Saved." {
			t.Errorf("retired %s: done %q, failed %q", retired, done, failed)
		}
		if retired == "true" {
			ana.waitFor("the final status", `document.querySelector('.status-line [data-final="true"]')?.innerText.endsWith(', final') &&
				document.querySelector('.status-line').innerText.includes('closed: it was retired')`)
			ana.accessibility("retired KPI")
			ana.screenshot("08m-retired-kpi")
		}
	}
	ana.waitFor("the KPI open again", `document.querySelector('.status-line [data-status]') && !document.querySelector('.status-line [data-final]')`)
	// A lower target grades the values from today on: those recorded keep
	// their status then, and the page lists the targets as they were.
	ana.fill("Change this KPI", map[string]string{"targets": "2026-12-31 85\n2027-06-30 95"})
	if done, failed := ana.submit("Change this KPI"); done != "Saved." {
		t.Errorf("lowering the target: done %q, failed %q", done, failed)
	}
	ana.waitFor("the targets over time", `document.querySelectorAll('.target-history li').length === 2 &&
		document.querySelector('.target-history').innerText.includes('From `+time.Now().UTC().Format(time.DateOnly)+`: 85% by 2026-12-31') &&
		document.querySelector('.target-history').innerText.includes('Ana Okafor') &&
		document.querySelectorAll('svg.chart .target-then').length === 1 && !document.querySelector('.legend .earlier').hidden &&
		document.querySelectorAll('#measurements tbody td [data-status]').length > 0`)
	ana.accessibility("targets over time")
	ana.screenshot("08m2-targets-over-time")
	// The map as of yesterday: the demo was made today, so the plan was
	// empty then, and the page says which day it shows. What changed since
	// this morning: the demo's elements are new, the trainers' course among
	// them.
	yesterday, today := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly), time.Now().UTC().Format(time.DateOnly)
	ana.open("/o/northshire-care/map?as_of="+yesterday, ".past-note")
	ana.waitFor("yesterday's plan", `document.querySelector('.past-note').innerText.includes('as it stood at the end of `+yesterday+`') &&
		document.getElementById('map-board').innerText.includes('The plan is empty.') && document.getElementById('filter-as-of').value === '`+yesterday+`'`)
	ana.accessibility("the plan as of a day")
	// The overview as of a day: yesterday, before the demo, no thematic
	// goal ran; today's are there.
	ana.open("/o/northshire-care?as_of="+yesterday, "#team-tree .team")
	ana.waitFor("the organisation yesterday", `document.querySelector('.past-note').innerText.includes('as it stood at the end of `+yesterday+`') &&
		document.querySelectorAll('#team-tree .goal').length === 0`)
	ana.accessibility("the overview as of a day")
	eval[bool](ana, `(() => { const f = document.getElementById('overview-as-of'); f.value = '`+today+`'; f.dispatchEvent(new Event('change', { bubbles: true })); return true; })()`)
	ana.waitFor("the organisation today, from the history", `document.querySelectorAll('#team-tree .goal').length > 0 &&
		document.getElementById('glance').innerText.includes('Put the Train on the Tracks')`)
	// The integrity report as of yesterday, before the demo, found
	// nothing; cleared, the picker brings back today's findings.
	ana.open("/o/northshire-care/report?as_of="+yesterday, "#report .summary")
	ana.waitFor("yesterday's integrity report", `document.querySelector('#report .summary').innerText === 'Nothing was missing or wrong in the plan at the end of `+yesterday+`.' &&
		document.getElementById('report-as-of').value === '`+yesterday+`' && document.querySelectorAll('#report .finding').length === 0`)
	ana.accessibility("the integrity report as of a day")
	eval[bool](ana, `(() => { const f = document.getElementById('report-as-of'); f.value = ''; f.dispatchEvent(new Event('change', { bubbles: true })); return true; })()`)
	ana.waitFor("today's integrity report", `document.querySelectorAll('#report .finding').length > 0 && !document.querySelector('#report .summary').innerText.includes('at the end of')`)
	// As of today, from the history: an element as it stands, its thread then.
	ana.open("/o/northshire-care/map?as_of="+today+"&el=trainer-course", "#detail .thread")
	ana.waitFor("an element as of today", `document.getElementById('detail').innerText.includes('As it stood at the end of `+today+`') &&
		document.getElementById('detail').innerText.includes('Golden thread then') && document.querySelector('#detail .thread strong')?.innerText === "Run the trainers' course" &&
		document.querySelectorAll('#detail form').length === 0`)
	eval[bool](ana, `(() => { const f = document.getElementById('filter-as-of'); f.value = ''; const s = document.getElementById('filter-since'); s.value = '`+today+`';
		s.dispatchEvent(new Event('change', { bubbles: true })); return true; })()`)
	ana.waitFor("what changed today", `!document.getElementById('comparison').hidden &&
		document.getElementById('comparison').innerText.includes("Run the trainers' course") &&
		document.querySelector('.past-note').innerText === '' && document.querySelector('[data-id="trainer-course"]') !== null`)
	ana.accessibility("what changed since a day")
	ana.screenshot("08n-what-changed")
	cat.open("/o/northshire-care", "#team-tree .team")
	if eval[bool](cat, `document.getElementById('nav').innerText.includes('Change log')`) {
		t.Error("a contributor is offered the change log")
	}
	// Planning cycles: Ana makes "This half" on the overview; a spring
	// fair joins it; the map's cycle switcher shows that part of the plan;
	// she closes the cycle, whose map then says it shows how it ended, and
	// carries it forward: the unfinished fair goes on into the next half.
	now := time.Now().UTC()
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	ana.open("/o/northshire-care", "#cycles")
	ana.fill("New cycle", map[string]string{"cycle_id": "this-half", "display_name": "This half",
		"start_date": day(now.AddDate(0, -3, 0)), "end_date": day(now.AddDate(0, 3, 0))})
	if done, failed := ana.submit("New cycle"); done != "Created This half." {
		t.Errorf("a new cycle: done %q, failed %q", done, failed)
	}
	if code, body := httpDo(t, p.adminToken, "POST", base+"/v1/organisations/northshire-care/elements?element_id=spring-fair",
		`{"level": "LEVEL_TACTIC", "title": "Run the spring fair", "parent": "organisations/northshire-care/elements/listen",
		  "owner_team": "organisations/northshire-care/teams/regional", "status": "STATUS_ACTIVE", "cycle": "organisations/northshire-care/cycles/this-half",
		  "start_date": {"year": `+now.Format("2006")+`, "month": 1, "day": 1}, "end_date": {"year": `+now.Format("2006")+`, "month": 12, "day": 31}}`); code != 200 {
		t.Fatalf("the spring fair: %d %s", code, body)
	}
	ana.open("/o/northshire-care/map?cycle=this-half", "[data-id=spring-fair]")
	ana.waitFor("this half's part of the plan", `document.querySelector('[data-id=listen]') !== null && document.querySelector('[data-id=survey]') === null &&
		document.getElementById('filter-cycle').value === 'this-half'`)
	ana.accessibility("a cycle's map")
	ana.screenshot("08o-cycle-map")
	ana.open("/o/northshire-care", "#cycles")
	eval[bool](ana, `[...document.querySelectorAll('#cycles button')].find((b) => b.textContent === 'Close This half').click() || true`)
	ana.waitFor("the cycle closed", `document.querySelector('#cycles [data-state]')?.dataset.state === 'STATE_CLOSED'`)
	eval[bool](ana, `document.querySelector('#cycles .row-action summary').click() || true`)
	ana.fill("Carry This half forward", map[string]string{"next_cycle_id": "next-half", "display_name": "Next half",
		"start_date": day(now.AddDate(0, 3, 1)), "end_date": day(now.AddDate(0, 9, 0))})
	if done, failed := ana.submit("Carry This half forward"); done != "Carried forward." {
		t.Errorf("carrying forward: done %q, failed %q", done, failed)
	}
	ana.waitFor("the next half", `document.getElementById('cycles').innerText.includes('Next half') &&
		document.getElementById('cycles-status').innerText.includes('with 1 unfinished elements of This half')`)
	ana.accessibility("cycles")
	ana.screenshot("08p-cycles")
	ana.open("/o/northshire-care/map?cycle=this-half", "[data-id=spring-fair]")
	ana.waitFor("the closed half as it ended", `document.querySelector('.past-note').innerText.includes('This half closed')`)

	// Their tabs leave the organisation, and its live stream: the browser
	// holds six connections to a server at most.
	for _, tab := range []*browser{ana, cat} {
		tab.open("/", "#main")
	}

	// People, members and API tokens. The platform admin sees the
	// organisation's people with their roles in words, adds a person,
	// changes her role with the keyboard and makes her a member of a team.
	b.open("/o/northshire-care/people", "#people tbody tr")
	b.waitFor("Ana Okafor and her role", `[...document.querySelectorAll('#people tbody tr')].some((r) => r.innerText.includes('Ana Okafor') &&
		r.innerText.includes('Chief Executive') && r.innerText.includes('ana@northshire.example') && r.querySelector('[data-role]')?.innerText === 'Planner')`)
	b.fill("New person", map[string]string{"person_id": "fay", "display_name": "Fay Okoro", "email": "fay@northshire.example",
		"job_title": "Data Analyst", "role": "ROLE_CONTRIBUTOR", "external_subject": "fay"})
	if done, failed := b.submit("New person"); done != "Added Fay Okoro, contributor." {
		t.Errorf("adding a person: done %q, failed %q", done, failed)
	}
	fay := `document.querySelector('#people tr[data-name="organisations/northshire-care/people/fay"]')`
	b.waitFor("Fay, a contributor", fay+`?.querySelector('[data-role]').dataset.role === 'ROLE_CONTRIBUTOR'`)
	// An email another person has is refused next to the field.
	b.fill("New person", map[string]string{"display_name": "Ana Again", "email": "ANA@northshire.example"})
	if done, failed := b.submit("New person"); done != "" || !strings.Contains(failed, "has this email address") ||
		eval[string](b, `document.querySelector('form[aria-label="New person"] input[name=email]').getAttribute('aria-invalid')`) != "true" {
		t.Errorf("a second person with Ana's email: done %q, errors %q", done, failed)
	}
	b.do(chromedp.Focus(`#people tr[data-name$="/people/fay"] summary`), chromedp.KeyEvent(kb.Enter))
	b.waitFor("Fay's role form open", fay+`.querySelector('details').open`)
	b.fill("Change Fay Okoro's role", map[string]string{"role": "ROLE_PLANNER"})
	if done, failed := b.submit("Change Fay Okoro's role"); done != "Fay Okoro: Planner." {
		t.Errorf("changing a role: done %q, failed %q", done, failed)
	}
	b.waitFor("Fay, a planner", fay+`.querySelector('[data-role]').dataset.role === 'ROLE_PLANNER' && `+fay+`.querySelector('[data-role]').innerText === 'Planner'`)
	b.accessibility("people")
	b.screenshot("17-people")
	// Removing someone asks first; the keyboard answers.
	if code, body := httpDo(t, p.adminToken, "POST", base+"/v1/organisations/northshire-care/people?person_id=gus",
		`{"display_name":"Gus Temp","email":"gus@northshire.example","role":"ROLE_VIEWER"}`); code != 200 {
		t.Fatalf("person: %d %s", code, body)
	}
	gus := `document.querySelector('#people tr[data-name$="/people/gus"]')`
	b.waitFor("Gus listed", gus+` !== null`)
	b.do(chromedp.Focus(`#people tr[data-name$="/people/gus"] details.confirm summary`), chromedp.KeyEvent(kb.Enter))
	b.waitFor("the question", gus+`.querySelector('details.confirm').open && `+gus+`.innerText.includes('will no longer be able to sign in')`)
	b.tabTo(`document.activeElement.textContent === 'Yes, remove'`, "the confirmation")
	b.do(chromedp.KeyEvent(kb.Enter))
	b.waitFor("Gus removed", gus+` === null && document.querySelector('main [role=status]').textContent === 'Removed Gus Temp.'`)

	// The team page lists its members, each linked to their row on the
	// people page; the admin adds Fay, and a term that ends before it
	// starts is refused next to its end.
	b.open("/o/northshire-care/teams/east", "#members tbody tr")
	b.waitFor("Cat, the lead", `[...document.querySelectorAll('#members tbody tr')].some((r) => r.innerText.includes('Cat Lindqvist') &&
		r.querySelector('[data-role]')?.innerText === 'Lead' && r.querySelector('a[href="#/o/northshire-care/people?person=cat"]'))`)
	b.fill("Add a member", map[string]string{"person": "organisations/northshire-care/people/fay", "role": "ROLE_SECRETARIAT",
		"start_date": "2025-01-01", "end_date": "2024-12-31"})
	if done, failed := b.submit("Add a member"); done != "" || !strings.Contains(failed, "before start_date") ||
		eval[string](b, `document.querySelector('form[aria-label="Add a member"] input[name=end_date]').getAttribute('aria-invalid')`) != "true" {
		t.Errorf("a membership ending before it starts: done %q, errors %q", done, failed)
	}
	b.fill("Add a member", map[string]string{"end_date": ""})
	if done, failed := b.submit("Add a member"); done != "Added Fay Okoro, secretariat." {
		t.Errorf("adding a member: done %q, failed %q", done, failed)
	}
	b.waitFor("Fay, a member", `[...document.querySelectorAll('#members tbody tr')].some((r) => r.querySelector('a[href="#/o/northshire-care/people?person=fay"]')?.innerText === 'Fay Okoro' &&
		r.querySelector('[data-role]')?.innerText === 'Secretariat' && r.innerText.includes('2025-01-01'))`)
	// Her membership becomes a fixed term as a member.
	b.do(chromedp.Click(`#members tr:has(a[href$="person=fay"]) details:not(.confirm) summary`))
	b.fill("Change Fay Okoro's membership", map[string]string{"role": "ROLE_MEMBER", "end_date": "2099-12-31"})
	if done, failed := b.submit("Change Fay Okoro's membership"); done != "Saved." {
		t.Errorf("changing a membership: done %q, failed %q", done, failed)
	}
	b.waitFor("Fay, a member until 2099", `document.querySelector('#members tr:has(a[href$="person=fay"]) [data-role]')?.innerText === 'Member' &&
		document.querySelector('#members tr:has(a[href$="person=fay"])').innerText.includes('2099-12-31')`)
	b.accessibility("team members")
	b.screenshot("18-team-members")
	// The link leads to her row, marked and focused.
	eval[bool](b, `document.querySelector('#members a[href="#/o/northshire-care/people?person=fay"]').click() || true`)
	b.waitFor("Fay's row", `document.body.dataset.page === 'people' && document.activeElement?.id === 'person-fay' &&
		document.activeElement.closest('tr').classList.contains('chosen')`)

	// API tokens: the admin makes one and sees its secret once, ready to
	// copy; a reload does not show it again.
	b.open("/o/northshire-care/tokens", "#tokens")
	b.fill("New API token", map[string]string{"display_name": "Nightly import", "role": "ROLE_PLANNER"})
	if done, failed := b.submit("New API token"); !strings.Contains(done, "Created Nightly import") {
		t.Errorf("making a token: done %q, failed %q", done, failed)
	}
	secret := eval[string](b, `document.getElementById('token-secret')?.value || ''`)
	if secret == "" || !eval[bool](b, `document.activeElement.id === 'token-secret' && document.getElementById('token-secret').readOnly &&
		document.getElementById('new-secret').innerText.includes('it will not be shown again')`) {
		t.Errorf("the new token's secret is not shown, focused, read-only and marked as shown once (%d characters)", len(secret))
	}
	b.waitFor("the token listed", `[...document.querySelectorAll('#tokens tbody tr')].some((r) => r.innerText.includes('Nightly import') &&
		r.innerText.includes('Planner') && r.innerText.includes('Never') && r.innerText.includes('bootstrap platform admin') && !r.innerText.includes('null'))`)
	b.accessibility("API tokens")
	b.screenshot("19-api-tokens")
	b.open("/o/northshire-care/tokens", "#tokens tbody tr")
	b.waitFor("the token listed after a reload", `document.getElementById('tokens').innerText.includes('Nightly import')`)
	if eval[bool](b, fmt.Sprintf(`document.getElementById('token-secret') !== null || document.body.innerText.includes(%q)`, secret)) {
		t.Error("the token's secret is shown again after a reload")
	}

	// Webhooks: the admin points one, for a chat channel, at a receiver and
	// sees its signing secret once; a test event arrives signed, and the
	// delivery log says it was delivered.
	hits := make(chan http.Header, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	b.open("/o/northshire-care/webhooks", "#webhooks")
	b.fill("New webhook", map[string]string{"display_name": "Council channel", "url": receiver.URL + "/hook", "event_types": "goldenthread.planning.v1.*",
		"format": "FORMAT_CHAT"})
	if done, failed := b.submit("New webhook"); !strings.Contains(done, "Created Council channel") {
		t.Errorf("making a webhook: done %q, failed %q", done, failed)
	}
	if !eval[bool](b, `document.activeElement.id === 'webhook-secret-value' && document.activeElement.value.startsWith('whsec_') &&
		document.getElementById('webhook-secret').innerText.includes('it will not be shown again')`) {
		t.Error("the webhook's signing secret is not shown, focused and marked as shown once")
	}
	eval[bool](b, `[...document.querySelectorAll('#webhooks button')].find((x) => x.innerText.startsWith('Send test event')).click() || true`)
	select {
	case got := <-hits:
		if !strings.HasPrefix(got.Get("webhook-signature"), "v1,") || got.Get("webhook-id") == "" || got.Get("Content-Type") != "application/json" {
			t.Errorf("the test event's headers: %v", got)
		}
	case <-time.After(15 * time.Second):
		t.Error("the test event did not arrive")
	}
	b.waitFor("the delivery log", `([...document.querySelectorAll('#webhooks button')].find((x) => x.innerText.startsWith('Deliveries')).click(),
		document.getElementById('deliveries')?.innerText.includes('Delivered') && document.getElementById('deliveries').innerText.includes('WebhookTested'))`)
	b.waitFor("the webhook listed", `[...document.querySelectorAll('#webhooks tbody tr')].some((r) => r.innerText.includes('Council channel') &&
		r.innerText.includes('goldenthread.planning.v1.*, as chat messages') && r.innerText.includes('On'))`)
	b.accessibility("webhooks")
	b.screenshot("19b-webhooks")

	// Working in the open: the admin publishes the training team's part of
	// the plan, previewed as chosen; a visitor who is not signed in reads
	// it on the public page — with the check-in Cat shared with the public,
	// but not her name or where she needs help — until the admin
	// unpublishes it.
	b.open("/o/northshire-care/publish", "#publication-preview")
	b.fill("Publication", map[string]string{"published": "true", "display_name": "Northshire Care in the open", "licence": "OGL-UK-3.0"})
	eval[bool](b, `document.querySelector('input[name="teams"][value="organisations/northshire-care/teams/training"]').click() || true`)
	b.waitFor("the preview of the training team's part", `document.getElementById('publication-preview').innerText.includes("Run the trainers' course") &&
		document.getElementById('publication-preview').innerText.includes('KPI: Trainers trained to the standard') &&
		!document.getElementById('publication-preview').innerText.includes('Answer complaints within ten days')`)
	if done, failed := b.submit("Publication"); done != "Published." {
		t.Errorf("publishing: done %q, failed %q", done, failed)
	}
	b.waitFor("the link to the public page", `document.querySelector('#publication-state a')?.getAttribute('href') === '/public/northshire-care'`)
	b.accessibility("publish settings")
	b.screenshot("19c-publish-settings")
	visitor := newTab(t, b.ctx, base, b.shot)
	visitor.do(chromedp.Navigate(base + "/public/northshire-care"))
	visitor.waitFor("the public page", `document.querySelector('h1')?.innerText === 'Northshire Care in the open' &&
		document.body.innerText.includes("Run the trainers' course") && document.body.innerText.includes('Our thematic goals now') &&
		document.body.innerText.includes('Trainers trained to the standard') && document.querySelectorAll('figure.chart svg').length > 0 &&
		document.body.innerText.includes('Two courses ran; one trainer is off sick.') && !document.body.innerText.includes('A stand-in trainer') &&
		!document.body.innerText.includes('Cat Lindqvist') &&
		!document.body.innerText.includes('Answer complaints within ten days') && !document.body.innerText.includes('@')`)
	visitor.accessibility("the public page")
	visitor.screenshot("19d-public-page")
	b.fill("Publication", map[string]string{"published": "false"})
	if done, failed := b.submit("Publication"); done != "Saved; not published." {
		t.Errorf("unpublishing: done %q, failed %q", done, failed)
	}
	visitor.do(chromedp.Navigate(base + "/public/northshire-care"))
	visitor.waitFor("the page gone at once", `document.body.innerText.includes('404 page not found')`)
	visitor.do(chromedp.Navigate("about:blank"))

	// The token and Fay correct values of a KPI; its page names them,
	// never their subjects.
	code, body := httpDo(t, p.adminToken, "GET", base+"/v1/organisations/northshire-care/kpis/visits-on-time/measurements", "")
	var listed struct{ Measurements []struct{ Name string } }
	if err := json.Unmarshal([]byte(body), &listed); code != 200 || err != nil || len(listed.Measurements) < 2 {
		t.Fatalf("measurements: %d %s", code, body)
	}
	for _, c := range []struct{ token, measurement string }{
		{secret, listed.Measurements[0].Name}, {jwtFor(t, dataDir, "fay"), listed.Measurements[1].Name},
	} {
		if code, body := httpDo(t, c.token, "PATCH", base+"/v1/"+c.measurement+"?update_mask=value,note", `{"value": 91, "note": "recounted"}`); code != 200 {
			t.Fatalf("correcting %s: %d %s", c.measurement, code, body)
		}
	}
	b.open("/o/northshire-care/kpis/visits-on-time", "#measurements tbody tr")
	b.waitFor("the KPI's values by name", `document.getElementById('measurements').innerText.includes('Nightly import (API token)') &&
		document.querySelector('#measurements a[href="#/o/northshire-care/people?person=fay"]')?.innerText === 'Fay Okoro' &&
		document.getElementById('measurements').innerText.includes('changed by Fay Okoro') &&
		document.getElementById('measurements').innerText.includes('bootstrap platform admin (API token)')`)
	if got := eval[string](b, `document.getElementById('measurements').innerText`); strings.Contains(got, "token:") || strings.Contains(got, "user:") {
		t.Errorf("the KPI's values show subjects: %.500s", got)
	}
	b.accessibility("KPI values by name")
	b.screenshot("20-kpi-names")

	// Revoking asks first; the token goes from the list.
	b.open("/o/northshire-care/tokens", "#tokens tbody tr")
	b.do(chromedp.Click(`#tokens details.confirm summary`))
	b.submit("Revoke Nightly import?")
	b.waitFor("the token revoked", `!document.getElementById('tokens').innerText.includes('Nightly import') &&
		document.querySelector('main [role=status]').textContent === 'Revoked Nightly import.'`)

	// A viewer reads the people, without the forms to change them or the
	// API tokens; tokens are "an API token" to her.
	eve.open("/o/northshire-care/people", "#people tbody tr")
	eve.waitFor("the people", `document.getElementById('people').innerText.includes('Fay Okoro') && document.getElementById('people').innerText.includes('Planner')`)
	if eval[int](eve, `document.querySelectorAll('main form, main details').length`) != 0 ||
		eval[bool](eve, `document.getElementById('nav').innerText.includes('API tokens')`) {
		t.Error("a viewer is offered forms to change people, or the API tokens")
	}
	eve.accessibility("people, as a viewer")
	eve.screenshot("17b-people-viewer")
	eve.open("/o/northshire-care/kpis/visits-on-time", "#measurements tbody tr")
	eve.waitFor("a token unnamed to a viewer", `document.getElementById('measurements').innerText.includes('an API token') &&
		document.getElementById('measurements').innerText.includes('Fay Okoro')`)
	// A member of the company's owner reads its people without their emails.
	nia.open("/o/valley-shared-services/people", "#people tbody tr")
	if got := eval[string](nia, `document.querySelector('main').innerText`); strings.Contains(got, "@") || !strings.Contains(got, "contact details are not shown") {
		t.Errorf("the company's people, to a member of its owner: %.500s", got)
	}

	// Phone width.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
	for _, pg := range []struct{ route, ready, name string }{
		{"/o/northshire-care", "#team-tree .team", "09-phone-overview"},
		{"/o/northshire-care/map?el=trainer-course", ".thread", "10-phone-strategy-map"},
		{"/o/northshire-care/kpis/trainers-trained", "svg.chart circle", "11-phone-kpi"},
		{"/o/northshire-care/people", "#people tbody tr", "21-phone-people"},
	} {
		b.open(pg.route, pg.ready)
		b.fitsWidth(pg.name)
		b.screenshot(pg.name)
	}
	b.do(chromedp.ResetViewport(), chromedp.EmulateViewport(1280, 900))

	// Build a small plan: an organisation, a team, vision to tactic, a KPI.
	b.open("/", "#organisations")
	b.fill("New organisation", map[string]string{"organisation_id": "harbour", "display_name": "Harbour Council", "kind": "KIND_COUNCIL"})
	b.mustSubmit("New organisation")
	b.open("/o/harbour", "#team-tree")
	b.fill("New team", map[string]string{"team_id": "ops", "display_name": "Operations", "kind": "KIND_OPERATIONAL"})
	b.mustSubmit("New team")
	b.waitFor("the new team", `document.getElementById('team-tree').innerText.includes('Operations')`)

	b.open("/o/harbour/map", "#detail form")
	b.fill("New element", map[string]string{"level": "LEVEL_VISION", "title": "A harbour town that thrives",
		"owner_team": "organisations/harbour/teams/ops", "start_date": "2020-01-01", "end_date": "2099-12-31", "element_id": "vision"})
	b.mustSubmit("New element")
	parent := "vision"
	for _, el := range []struct{ id, title, kind string }{
		{"mission", "Deliver what we say we are going to do", ""},
		{"objective", "Customer satisfaction", "OBJECTIVE_KIND_STANDARD_OPERATING"},
		{"strategy", "Answer every call", ""},
		{"tactic", "A call-back promise", ""},
	} {
		// Clicked in the page, in one step: a live refresh may redraw the
		// map between finding a card and clicking it.
		b.waitFor("the card "+parent, fmt.Sprintf(`(() => { const c = document.querySelector('#map-board [data-id=%q]'); c?.click(); return Boolean(c); })()`, parent))
		b.waitFor("the form under "+parent, fmt.Sprintf(`document.getElementById('detail-title')?.textContent !== undefined &&
			document.querySelector('.new-element select[name=parent]')?.value === 'organisations/harbour/elements/%s'`, parent))
		fields := map[string]string{"title": el.title, "element_id": el.id}
		if el.kind != "" {
			fields["objective_kind"] = el.kind
		}
		if el.id == "mission" {
			// An API error shows next to the field it names.
			b.fill("Add an element", map[string]string{"title": el.title, "start_date": "2010-01-01"})
			done, failed := b.submit("Add an element")
			named := eval[string](b, `document.querySelector('.new-element input[name=start_date]').closest('.field').querySelector('.error').textContent`)
			if done != "" || named == "" {
				t.Errorf("a mission starting before its vision: done %q, errors %q, next to the start date %q", done, failed, named)
			}
			fields["start_date"] = "2020-01-01"
		}
		b.fill("Add an element", fields)
		b.mustSubmit("Add an element")
		b.waitFor(el.id+" in the map", fmt.Sprintf(`document.querySelector('[data-id=%q]') !== null`, el.id))
		parent = el.id
	}
	b.open("/o/harbour/kpis", "table.data")
	b.fill("New KPI", map[string]string{"kpi_id": "calls", "title": "Calls returned the same day", "element": "organisations/harbour/elements/tactic",
		"owner_team": "organisations/harbour/teams/ops", "unit": "UNIT_PERCENT", "targets": "2099-12-31 90",
		"threshold_kind": "KIND_RELATIVE", "green_within": "0", "amber_within": "5"})
	b.mustSubmit("New KPI")
	b.waitFor("the KPI page", `document.body.dataset.page === 'kpi' && document.querySelector('h1')?.textContent === 'Calls returned the same day'`)
	now = time.Now()
	monthEnd := func(n int) string {
		return time.Date(now.Year(), now.Month()+time.Month(n)+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	b.fill("Record a value", map[string]string{"period_end": monthEnd(-1), "value": "95", "note": "a good month"})
	b.mustSubmit("Record a value")
	b.waitFor("a green KPI", `document.querySelector('.status-line [data-status]')?.dataset.status === 'KPI_STATUS_GREEN'`)

	// Someone else — a viewer, signed in with a JWT — watches the map in
	// another tab.
	viewer := viewerToken(t, p, dataDir)
	other := newTab(t, b.ctx, base, b.shot)
	other.signIn(viewer)
	other.open("/o/harbour/map", "[data-id=vision]")
	other.waitFor("the vision on track", `document.querySelector('[data-id=vision] [data-health]')?.dataset.health === 'HEALTH_ON_TRACK'`)
	if eval[int](other, `document.querySelectorAll('#detail form').length`) != 0 {
		t.Error("a viewer is offered forms to change the plan")
	}
	other.screenshot("12-live-before")

	// This month's value is far off target: the KPI turns red, and the
	// viewer's open map turns off track without reloading.
	b.fill("Record a value", map[string]string{"period_end": monthEnd(0), "value": "40"})
	b.mustSubmit("Record a value")
	b.waitFor("a red KPI", `document.querySelector('.status-line [data-status]')?.dataset.status === 'KPI_STATUS_RED'`)
	b.screenshot("13-kpi-red")
	eval[bool](other, `window.notReloaded = true`)
	other.waitFor("the map turning red", `document.querySelector('[data-id=vision] [data-health]')?.dataset.health === 'HEALTH_OFF_TRACK' &&
		document.querySelector('[data-id=tactic] [data-health]')?.dataset.health === 'HEALTH_OFF_TRACK'`)
	if !eval[bool](other, `window.notReloaded === true`) {
		t.Error("the map reloaded the page to turn red")
	}
	other.screenshot("14-live-after")

	// Values the API takes but no chart can scale to (±1e308: the span
	// between them is more than a double holds), and the first day it takes
	// (far from the rest): the chart leaves out what it cannot draw, never
	// drawing NaN, and the table lists every value.
	api := "http://" + p.httpAddr + "/v1/organisations/harbour/kpis"
	if code, body := httpDo(t, p.adminToken, "POST", api+"?kpi_id=extremes", `{"title":"Extreme values","unit":"UNIT_COUNT",
		"direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_MONTHLY","element":"organisations/harbour/elements/tactic",
		"owner_team":"organisations/harbour/teams/ops","targets":[{"period_end":{"year":9999,"month":12,"day":31},"value":90}],
		"thresholds":{"kind":"KIND_RELATIVE","green_within":0,"amber_within":5}}`); code != 200 {
		t.Fatalf("KPI: %d %s", code, body)
	}
	for _, m := range []string{
		`{"period_end":{"year":1,"month":1,"day":31},"value":5,"note":"the first day the API takes"}`,
		`{"period_end":{"year":2000,"month":6,"day":30},"value":7,"note":"the turn of the century"}`,
		fmt.Sprintf(`{"period_end":{"year":%d,"month":%d,"day":%d},"value":-1e308}`, now.Year(), now.Month(), 1),
	} {
		if code, body := httpDo(t, p.adminToken, "POST", api+"/extremes/measurements", m); code != 200 {
			t.Fatalf("measurement %s: %d %s", m, code, body)
		}
	}
	b.open("/o/harbour/kpis/extremes", "svg.chart")
	b.fill("Record a value", map[string]string{"period_end": monthEnd(-1), "value": "1e308"})
	b.mustSubmit("Record a value")
	b.waitFor("the largest value in the table", `document.getElementById('measurements').innerText.includes('1e+308')`)
	table := eval[string](b, `document.getElementById('measurements').innerText`)
	for _, want := range []string{"1e+308", "-1e+308", "0001-01-31", "2000-06-30"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table of values lacks %q:\n%s", want, table)
		}
	}
	svg := eval[string](b, `document.querySelector('svg.chart').outerHTML`)
	if strings.Contains(svg, "NaN") || strings.Contains(svg, "Infinity") {
		t.Errorf("the chart draws what it cannot: %.3000s", svg)
	}
	if n := eval[int](b, `document.querySelectorAll('svg.chart .points circle').length`); n != 2 {
		t.Errorf("chart: %d points, want the 2 that can be drawn", n)
	}
	if desc := eval[string](b, `document.querySelector('svg.chart desc').textContent`); !strings.Contains(desc, "2 values are too large to draw") {
		t.Errorf("the chart does not say what it left out: %q", desc)
	}
	b.accessibility("KPI with extreme values")
	b.screenshot("15-kpi-extremes")
}

// TestWebClientStreamLimit opens an organisation in two tabs as one caller
// allowed one live event stream: the second tab says, in its status region,
// that live updates are paused and why, instead of failing silently.
func TestWebClientStreamLimit(t *testing.T) {
	chromiumPath(t)
	p, _ := launch(t, t.TempDir(), "-events-per-caller", "1")
	base := "http://" + p.httpAddr
	if code, body := httpDo(t, p.adminToken, "POST", base+"/v1/organisations?organisation_id=tiny",
		`{"display_name":"Tiny Council","kind":"KIND_COUNCIL"}`); code != 200 {
		t.Fatalf("organisation: %d %s", code, body)
	}
	first := newBrowser(t, base)
	first.signIn(p.adminToken)
	first.open("/o/tiny", "main")
	first.waitFor("the first tab following changes", `document.body.dataset.live === 'live'`)
	second := newTab(t, first.ctx, base, first.shot)
	second.signIn(p.adminToken)
	second.open("/o/tiny", "main")
	second.waitFor("the second tab paused", `document.body.dataset.live === 'busy'`)
	if msg := eval[string](second, `document.getElementById('live').textContent`); !strings.Contains(msg, "paused") {
		t.Errorf("the status region says %q, want why live updates are paused", msg)
	}
	second.accessibility("organisation with live updates paused")
	second.screenshot("16-live-paused")
}

// viewerToken makes a viewer of the Harbour Council and returns a JWT for
// them from the built-in issuer.
func viewerToken(t *testing.T, p *process, dataDir string) string {
	t.Helper()
	code, body := httpDo(t, p.adminToken, "POST", "http://"+p.httpAddr+"/v1/organisations/harbour/people?person_id=val",
		`{"display_name":"Val Viewer","email":"val@harbour.example","role":"ROLE_VIEWER","external_subject":"val"}`)
	if code != 200 {
		t.Fatalf("viewer: %d %s", code, body)
	}
	return jwtFor(t, dataDir, "val")
}

// jwtFor returns a JWT for subject from the built-in issuer.
func jwtFor(t *testing.T, dataDir, subject string) string {
	t.Helper()
	iss, err := jwt.LoadOrCreateIssuer(builtinIssuerDir(dataDir), builtinIssuer)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Sign(jwt.Claims{Subject: subject, Audience: []string{"goldenthread"}, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
