// Package web is the browser client: plain ES modules, CSS and one HTML
// page under static/, embedded in the gateway binary and served at /. It
// uses only the public REST API under /v1/, so there is no build step.
//
// The files are read, hashed and compressed (gzip and brotli) once, in
// the background from when the first handler is made; a request only picks
// the encoding the client accepts. Every file has an ETag, its content's hash, so that a client
// revalidates with a 304. index.html names the stylesheet and the icon by
// URLs that carry their hash (?v=…), which clients keep for a year; the ES
// modules keep their plain names (their imports are relative: a hash in an
// importer's URL would not reach what it imports), so they revalidate.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"math/bits"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

//go:embed static
var files embed.FS

// Settings are the public settings the page reads from /config.json.
type Settings struct {
	// OIDCIssuer, when set, offers the OpenID Connect sign-in (authorization
	// code with PKCE, in the browser) besides pasting a token.
	OIDCIssuer string `json:"oidc_issuer,omitempty"`
	// OIDCClientID is the client the page signs in as (a public client).
	OIDCClientID string `json:"oidc_client_id,omitempty"`
	// OIDCAudience is the audience the services require of a JWT.
	OIDCAudience string `json:"oidc_audience,omitempty"`
	// OIDCScopes are the scopes asked for; "openid" at least.
	OIDCScopes string `json:"oidc_scopes,omitempty"`
}

// Cache-Control values: a file asked for by a URL with its hash never
// changes under that URL; anything else may change with the next release,
// so it is revalidated (cheaply, by ETag) on every use.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// The content codings served; identity is none.
const (
	encodingBrotli   = "br"
	encodingGzip     = "gzip"
	encodingIdentity = ""
)

// asset is one file of the client as it is served.
type asset struct {
	contentType string
	hash        string // hex, of the uncompressed content
	plain       []byte
	gzip        []byte // nil when compressing does not make it smaller
	br          []byte // nil when compressing does not make it smaller
}

// variant is the body and ETag of a in the given encoding, falling back to
// the uncompressed content when a has no such variant. A strong ETag names
// one representation, so each encoding has its own.
func (a *asset) variant(encoding string) (body []byte, etag, used string) {
	switch {
	case encoding == encodingBrotli && a.br != nil:
		return a.br, `"` + a.hash + `-br"`, encodingBrotli
	case encoding == encodingGzip && a.gzip != nil:
		return a.gzip, `"` + a.hash + `-gzip"`, encodingGzip
	}
	return a.plain, `"` + a.hash + `"`, encodingIdentity
}

// assets are the client's files by URL path ("/js/app.js"), read and
// compressed once per process: the embedded files never change, and every
// gateway the process makes (tests make many) shares them.
var assets = sync.OnceValue(func() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(files, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == "static/index.html" {
			return err
		}
		content, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(name, "static")] = newAsset(path.Ext(name), content)
		return nil
	})
	if err != nil {
		panic("web: reading the embedded files: " + err.Error())
	}
	page, err := files.ReadFile("static/index.html")
	if err != nil {
		panic("web: reading the embedded files: " + err.Error())
	}
	out["/index.html"] = newAsset(".html", hashedLinks(page, out))
	return out
})

// hashedRef is what index.html links to by a URL that may carry a hash:
// the stylesheet and the icon. The entry module keeps its plain name: a
// module loaded by two URLs runs twice, and as the modules it imports
// revalidate anyway, a hash would spare one request of some thirty.
var hashedRef = regexp.MustCompile(`(<link [^>]*href=")(/[^"?#]+)(")`)

// hashedLinks rewrites the links of page to the files in assets with the
// files' hashes, ?v=…, which the handler serves as immutable.
func hashedLinks(page []byte, assets map[string]*asset) []byte {
	return hashedRef.ReplaceAllFunc(page, func(m []byte) []byte {
		parts := hashedRef.FindSubmatch(m)
		a, ok := assets[string(parts[2])]
		if !ok {
			return m
		}
		return bytes.Join([][]byte{parts[1], parts[2], []byte("?v=" + a.hash), parts[3]}, nil)
	})
}

// newAsset hashes and compresses content, a file with the extension ext.
func newAsset(ext string, content []byte) *asset {
	sum := sha256.Sum256(content)
	a := &asset{
		contentType: mime.TypeByExtension(ext),
		// 80 bits: ample to tell one release's file from another's.
		hash:  hex.EncodeToString(sum[:10]),
		plain: content,
	}
	if a.contentType == "" {
		a.contentType = "application/octet-stream"
	}
	a.gzip = smaller(content, func(w io.Writer) io.WriteCloser {
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression) // a valid level
		return zw
	})
	a.br = smaller(content, func(w io.Writer) io.WriteCloser {
		// A window no larger than the file: at the best quality the
		// encoder's tables grow with the window, and the default one
		// (4 MiB) for files of a few KiB left the process 100 MiB larger
		// after start-up.
		lgwin := max(bits.Len(uint(len(content))), 10)
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: min(lgwin, 24)})
	})
	return a
}

// smaller is content compressed by the writer compressor makes, or nil
// when that is no smaller than content.
func smaller(content []byte, compressor func(io.Writer) io.WriteCloser) []byte {
	var b bytes.Buffer
	w := compressor(&b)
	_, _ = w.Write(content) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	if b.Len() >= len(content) {
		return nil
	}
	return b.Bytes()
}

// Handler serves the client's files and /config.json with a
// Content-Security-Policy that allows scripts, styles and connections only
// from the gateway itself (and the issuer, for the sign-in redirect).
func Handler(s Settings) http.Handler {
	// Compressing takes a good half second: it runs while the gateway
	// starts, and a request that comes before it is done waits for it.
	go assets()
	csp := policy(s.OIDCIssuer)
	config, _ := json.Marshal(s)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", cacheRevalidate)
		name := r.URL.Path
		switch name {
		case "/config.json":
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(config)
			return
		case "/index.html":
			http.Redirect(w, r, "/", http.StatusMovedPermanently)
			return
		case "/":
			name = "/index.html"
		case "/favicon.ico":
			// Pages without a link to the icon (the public pages) get it
			// where browsers look by default.
			name = "/favicon.svg"
		}
		a, ok := assets()[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serve(w, r, a)
	})
}

// serve answers with a in the encoding the client prefers, or a 304 when
// the client has it already.
func serve(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	body, etag, encoding := a.variant(negotiate(r.Header.Get("Accept-Encoding")))
	if a.gzip != nil || a.br != nil {
		h.Add("Vary", "Accept-Encoding")
	}
	if v := r.URL.Query().Get("v"); v != "" && v == a.hash {
		h.Set("Cache-Control", cacheImmutable)
	}
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", etag)
	if encoding != encodingIdentity {
		h.Set("Content-Encoding", encoding)
		// ServeContent leaves the length out of an encoded answer (in case
		// it is compressed as it is written); this one is known.
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	// ServeContent answers If-None-Match (304), HEAD and ranges; no
	// modification time: the ETag says it all.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// negotiate picks the content coding for an Accept-Encoding header
// (RFC 9110, 12.5.3): the one of br and gzip with the higher weight, br
// on a tie (it is smaller); "" (identity) when the client takes neither.
func negotiate(header string) string {
	weights := map[string]float64{}
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		q := 1.0
		for param := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(param, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		weights[coding] = q
	}
	weight := func(coding string) float64 {
		if q, ok := weights[coding]; ok {
			return q
		}
		return weights["*"] // 0 when absent too: not acceptable
	}
	br, gz := weight(encodingBrotli), weight(encodingGzip)
	switch {
	case br > 0 && br >= gz:
		return encodingBrotli
	case gz > 0:
		return encodingGzip
	}
	return encodingIdentity
}

// policy is the Content-Security-Policy: nothing inline, nothing from
// elsewhere but the OpenID Connect issuer (its discovery document and token
// endpoint are fetched by the page).
func policy(issuer string) string {
	connect := "'self'"
	if u, err := url.Parse(issuer); err == nil && u.Scheme != "" && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src " + connect,
		"form-action 'self'",
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}
