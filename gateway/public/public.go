// Package public serves what organisations publish, to anyone, without a
// token: /public/{organisation} (a page to read and print), its open data
// /public/{organisation}/plan.json, and the data's JSON Schema at
// /public/schema/plan.json. It reads the published plan from the planning
// service (PublicationService.GetPublishedPlan, which needs no credential
// and holds only what the organisation publishes). Answers are cacheable,
// revalidated each time (no-cache with an ETag), so that unpublishing
// takes effect at once.
package public

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

//go:embed plan.schema.json
var planSchema []byte

// timeout bounds a public page's read of the planning service.
const timeout = 10 * time.Second

// Handler serves the public pages from plans (the planning service) and
// kpis (the KPI service).
type Handler struct {
	Plans  planningpb.PublicationServiceClient
	KPIs   kpispb.KpisServiceClient
	Logger *slog.Logger
}

// published is what an organisation publishes: its plan and its KPIs.
type published struct {
	plan *planningpb.PublishedPlan
	kpis []*kpispb.PublishedKpi
}

// Register adds the public routes to mux.
func (h Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /public/schema/plan.json", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, "application/schema+json", planSchema)
	})
	mux.HandleFunc("GET /public/{organisation}/plan.json", h.plan(func(_ string, p published) (string, []byte, error) {
		body, err := protojson.MarshalOptions{UseProtoNames: true, Indent: "  "}.Marshal(p.plan)
		return "application/json", body, err
	}))
	mux.HandleFunc("GET /public/{organisation}/kpis.csv", h.plan(func(_ string, p published) (string, []byte, error) {
		return "text/csv; charset=utf-8", kpisCSV(p), nil
	}))
	mux.HandleFunc("GET /public/{organisation}", h.plan(func(orgID string, p published) (string, []byte, error) {
		var b bytes.Buffer
		err := renderPage(&b, orgID, p, time.Now())
		return "text/html; charset=utf-8", b.Bytes(), err
	}))
}

// plan answers with the organisation's published plan as render makes
// it: 404 for an organisation that publishes nothing (or none at all).
func (h Handler) plan(render func(orgID string, p published) (string, []byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org := r.PathValue("organisation")
		if !resourcename.ValidID(org) {
			http.NotFound(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		p, err := h.read(ctx, org)
		switch status.Code(err) {
		case codes.OK:
		case codes.NotFound:
			http.NotFound(w, r)
			return
		default:
			h.Logger.Warn("public page: reading the published plan failed", "organisation", org, "err", err)
			http.Error(w, "The published plan cannot be read just now; try again shortly.", http.StatusServiceUnavailable)
			return
		}
		media, body, err := render(org, p)
		if err != nil {
			h.Logger.Error("public page: rendering failed", "organisation", org, "err", err)
			http.Error(w, "The published plan cannot be shown just now.", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Last-Modified", p.plan.GetUpdateTime().AsTime().UTC().Format(http.TimeFormat))
		serve(w, r, media, body)
	}
}

// read reads what organisation orgID publishes.
func (h Handler) read(ctx context.Context, orgID string) (published, error) {
	plan, err := h.Plans.GetPublishedPlan(ctx, &planningpb.GetPublishedPlanRequest{Name: "organisations/" + orgID + "/publication"})
	if err != nil {
		return published{}, err
	}
	kpis, err := h.KPIs.ListPublishedKpis(ctx, &kpispb.ListPublishedKpisRequest{Parent: "organisations/" + orgID})
	return published{plan: plan, kpis: kpis.GetKpis()}, err
}

// serve writes body as media, with its ETag, answering 304 to a client
// that has it already. Caches keep it but ask again every time.
func serve(w http.ResponseWriter, r *http.Request, media string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, no-cache")
	w.Header().Set("Content-Type", media)
	if strings.HasPrefix(media, "text/html") {
		// A page of the organisation's own words, rendered: it runs nothing.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}
