package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// get asks h for path with the given request headers, in pairs.
func get(t *testing.T, h http.Handler, method, path string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// embedded is a file of static/ as it is in the repository.
func embedded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := files.ReadFile("static" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode undoes the response's Content-Encoding.
func decode(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(rec.Body.Bytes())
	switch enc := rec.Header().Get("Content-Encoding"); enc {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(r)
	default:
		t.Fatalf("Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", rec.Header().Get("Content-Encoding"), err)
	}
	return b
}

// checkSecurityHeaders checks the headers every answer carries.
func checkSecurityHeaders(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	for name, want := range map[string]string{
		"Content-Security-Policy": policy(""),
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s: %s %q, want %q", what, name, got, want)
		}
	}
}

func TestCompressed(t *testing.T) {
	h := Handler(Settings{})
	for _, name := range []string{"/js/app.js", "/js/pages/map.js", "/app.css", "/favicon.svg"} {
		want := embedded(t, name)
		for _, tc := range []struct{ accept, encoding string }{
			{"gzip, deflate, br, zstd", "br"},
			{"gzip", "gzip"},
			{"br;q=0, gzip", "gzip"},
			{"gzip;q=1, br;q=0.5", "gzip"},
			{"*", "br"},
			{"", ""},
			{"identity", ""},
			{"deflate", ""},
		} {
			rec := get(t, h, "GET", name, "Accept-Encoding", tc.accept)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s, Accept-Encoding %q: %d", name, tc.accept, rec.Code)
			}
			if got := rec.Header().Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("%s, Accept-Encoding %q: Content-Encoding %q, want %q", name, tc.accept, got, tc.encoding)
			}
			if got := rec.Header().Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("%s: Vary %q, want Accept-Encoding", name, got)
			}
			if got := decode(t, rec); !bytes.Equal(got, want) {
				t.Errorf("%s, Accept-Encoding %q: the body, decoded, is not the file (%d bytes, want %d)", name, tc.accept, len(got), len(want))
			}
			if tc.encoding != "" && rec.Body.Len() >= len(want) {
				t.Errorf("%s in %s: %d bytes, no smaller than the file's %d", name, tc.encoding, rec.Body.Len(), len(want))
			}
			checkSecurityHeaders(t, name, rec)
		}
	}
	// The files are compressed once, not for each request.
	if a, b := assets()["/js/app.js"], assets()["/js/app.js"]; a != b || a.br == nil || a.gzip == nil {
		t.Error("app.js is not kept compressed")
	}
}

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]string{
		"":                        "",
		"gzip":                    "gzip",
		"GZIP":                    "gzip",
		"br":                      "br",
		"gzip, br":                "br",
		"br;q=0.8, gzip;q=0.9":    "gzip",
		"br;q=0.9, gzip;q=0.9":    "br",
		"br;q=0, gzip;q=0":        "",
		"*;q=0.5":                 "br",
		"*;q=0":                   "",
		"gzip;q=0, *":             "br",
		"br;q=0, *":               "gzip",
		"identity;q=1, gzip;q=0":  "",
		" gzip ; q=0.5 , deflate": "gzip",
		"br;q=bad":                "br",
	} {
		if got := negotiate(header); got != want {
			t.Errorf("Accept-Encoding %q: %q, want %q", header, got, want)
		}
	}
}

func TestETag(t *testing.T) {
	h := Handler(Settings{})
	for _, accept := range []string{"", "gzip", "br"} {
		for _, path := range []string{"/", "/js/dom.js", "/app.css", "/favicon.ico"} {
			first := get(t, h, "GET", path, "Accept-Encoding", accept)
			etag := first.Header().Get("ETag")
			if !regexp.MustCompile(`^"[0-9a-f]{20}(-gzip|-br)?"$`).MatchString(etag) {
				t.Fatalf("%s, %q: ETag %q, want a quoted hash", path, accept, etag)
			}
			again := get(t, h, "GET", path, "Accept-Encoding", accept, "If-None-Match", etag)
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("%s, %q, If-None-Match its ETag: %d with %d bytes, want 304 and none", path, accept, again.Code, again.Body.Len())
			}
			if got := again.Header().Get("ETag"); got != etag {
				t.Errorf("%s: the 304's ETag %q, want %q", path, got, etag)
			}
			checkSecurityHeaders(t, path+" (304)", again)
			if changed := get(t, h, "GET", path, "Accept-Encoding", accept, "If-None-Match", `"0000"`); changed.Code != http.StatusOK {
				t.Errorf("%s, If-None-Match another ETag: %d, want 200", path, changed.Code)
			}
		}
	}
	// Each encoding is its own representation, with its own ETag.
	tags := map[string]bool{}
	for _, accept := range []string{"", "gzip", "br"} {
		tags[get(t, h, "GET", "/js/app.js", "Accept-Encoding", accept).Header().Get("ETag")] = true
	}
	if len(tags) != 3 {
		t.Errorf("app.js has %d ETags across identity, gzip and br, want 3", len(tags))
	}
}

func TestCacheControl(t *testing.T) {
	h := Handler(Settings{})
	page := get(t, h, "GET", "/")
	if page.Code != http.StatusOK || !strings.Contains(page.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("/: %d %s", page.Code, page.Header().Get("Content-Type"))
	}
	if got := page.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("/: Cache-Control %q, want no-cache", got)
	}
	checkSecurityHeaders(t, "/", page)
	html := page.Body.String()
	// The entry module keeps its name, so that it is loaded once.
	if !strings.Contains(html, `<script type="module" src="/js/app.js">`) {
		t.Errorf("index.html does not load /js/app.js by its name:\n%s", html)
	}
	for _, name := range []string{"/app.css", "/favicon.svg"} {
		m := regexp.MustCompile(`href="` + regexp.QuoteMeta(name) + `\?v=([0-9a-f]+)"`).FindStringSubmatch(html)
		if m == nil {
			t.Errorf("index.html does not link %s by its hash:\n%s", name, html)
			continue
		}
		if m[1] != assets()[name].hash {
			t.Errorf("index.html links %s?v=%s, not its hash %s", name, m[1], assets()[name].hash)
		}
		hashed := get(t, h, "GET", name+"?v="+m[1], "Accept-Encoding", "br")
		if got := hashed.Header().Get("Cache-Control"); hashed.Code != http.StatusOK || got != "public, max-age=31536000, immutable" {
			t.Errorf("%s?v=its hash: %d, Cache-Control %q, want immutable", name, hashed.Code, got)
		}
		if got := decode(t, hashed); !bytes.Equal(got, embedded(t, name)) {
			t.Errorf("%s?v=its hash is not the file", name)
		}
		// A hash of another release's file: the file as it is now, not
		// to be kept under that URL.
		if got := get(t, h, "GET", name+"?v=0123456789abcdef0123").Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s?v=another hash: Cache-Control %q, want no-cache", name, got)
		}
	}
	for _, path := range []string{"/js/app.js", "/js/dom.js", "/app.css", "/config.json", "/favicon.ico"} {
		if got := get(t, h, "GET", path).Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache (revalidated)", path, got)
		}
	}
}

func TestFavicon(t *testing.T) {
	h := Handler(Settings{})
	want := embedded(t, "/favicon.svg")
	if !bytes.HasPrefix(want, []byte("<svg ")) {
		t.Fatalf("favicon.svg is not an SVG: %.40s", want)
	}
	for _, path := range []string{"/favicon.ico", "/favicon.svg"} {
		rec := get(t, h, "GET", path)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" || !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("%s: %d %s, %d bytes, want the SVG icon", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
	}
	if !strings.Contains(get(t, h, "GET", "/").Body.String(), `<link rel="icon" href="/favicon.svg?v=`) {
		t.Error("index.html does not link the icon")
	}
}

func TestRequests(t *testing.T) {
	h := Handler(Settings{OIDCIssuer: "https://login.example/realms/gt", OIDCClientID: "goldenthread-web"})
	for _, tc := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/config.json", 200, `"oidc_client_id":"goldenthread-web"`},
		{"GET", "/js/app.js", 200, "import"},
		{"HEAD", "/js/app.js", 200, ""},
		{"GET", "/index.html", 301, ""},
		{"GET", "/js/", 404, ""},
		{"GET", "/static/index.html", 404, ""},
		{"GET", "/no-such-file.js", 404, ""},
		{"POST", "/", 405, ""},
	} {
		rec := get(t, h, tc.method, tc.path)
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %.80q, want %d with %q", tc.method, tc.path, rec.Code, rec.Body.String(), tc.code, tc.body)
		}
		if tc.code != 405 && rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: no Content-Security-Policy", tc.method, tc.path)
		}
	}
	if head := get(t, h, "HEAD", "/js/app.js", "Accept-Encoding", "br"); head.Body.Len() != 0 || head.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d bytes of body, Content-Length %q", head.Body.Len(), head.Header().Get("Content-Length"))
	}
}
