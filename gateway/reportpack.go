package gateway

import (
	"bytes"
	"cmp"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/goldenthread/goldenthread/gateway/pack"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Media types of the report pack.
const (
	pdfMIME  = "application/pdf"
	htmlMIME = "text/html"
)

// reportPack answers GET /v1/organisations/{org}:report: the organisation's
// report pack (package pack), read as the caller, as a PDF or an HTML page
// by the request's Accept (a PDF when it accepts either or says nothing).
// The query may name a team, a cycle and a time (as_of, RFC 3339).
func reportPack(mux *runtime.ServeMux, m runtime.Marshaler, clients pack.Clients) runtime.HandlerFunc {
	const method = "/goldenthread.planning.v1.ElementsService/GetElementTree"
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		fail := func(err error) { runtime.HTTPError(r.Context(), mux, m, w, r, err) }
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, method)
		if err != nil {
			fail(err)
			return
		}
		req, err := packRequest(params["parent"], r)
		if err != nil {
			fail(err)
			return
		}
		media := packMedia(r.Header.Get("Accept"))
		if media == "" {
			fail(apierr.InvalidArgument("Accept", "must accept application/pdf or text/html"))
			return
		}
		p, err := pack.Gather(ctx, clients, req)
		if err != nil {
			fail(err)
			return
		}
		var out bytes.Buffer
		render, name := pack.PDF, path.Base(req.Organisation)+"-report.pdf"
		if media == htmlMIME {
			render = pack.HTML
		}
		if err := render(&out, p); err != nil {
			fail(err)
			return
		}
		if media == htmlMIME {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			// The page is the caller's data, rendered: it runs nothing.
			w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		} else {
			w.Header().Set("Content-Type", pdfMIME)
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		}
		_, _ = w.Write(out.Bytes())
	}
}

// packRequest reads a report pack's query: team, cycle and as_of only.
func packRequest(org string, r *http.Request) (pack.Request, error) {
	req := pack.Request{Organisation: org}
	for key, values := range r.URL.Query() {
		v := values[len(values)-1]
		switch key {
		case "team":
			if !strings.HasPrefix(v, org+"/teams/") {
				return req, apierr.InvalidArgument("team", "must be a team of "+org+", "+org+"/teams/{team}")
			}
			req.Team = v
		case "cycle":
			req.Cycle = v
		case "as_of":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil || t.Year() < 1970 || t.Year() > 9999 {
				return req, apierr.InvalidArgument("as_of", "must be a time, RFC 3339, e.g. 2026-06-30T23:59:59Z")
			}
			req.AsOf = timestamppb.New(t)
		default:
			return req, apierr.InvalidArgument(key, "is not a parameter of a report pack: team, cycle or as_of")
		}
	}
	return req, nil
}

// packMedia is the media type a report pack is sent as for an Accept
// header: the one it prefers (by q, a named type before a wildcard, PDF on
// a tie); PDF for none; "" when it accepts neither.
func packMedia(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return pdfMIME
	}
	best, bestQ, bestNamed := "", 0.0, false
	for _, part := range strings.Split(accept, ",") {
		media, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q, err := strconv.ParseFloat(cmp.Or(params["q"], "1"), 64)
		if err != nil || q <= 0 {
			continue
		}
		as, named := "", media == pdfMIME || media == htmlMIME
		switch media {
		case pdfMIME, "application/*", "*/*":
			as = pdfMIME
		case htmlMIME, "text/*":
			as = htmlMIME
		}
		if as != "" && (q > bestQ || (q == bestQ && named && !bestNamed)) {
			best, bestQ, bestNamed = as, q, named
		}
	}
	return best
}
