package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	_ "google.golang.org/genproto/googleapis/rpc/errdetails" // so error details render as JSON
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

// errorHandler writes errors as google.rpc.Status JSON with the HTTP status
// matching the gRPC code (grpc-gateway's mapping), with three refinements:
// a body over the size limit is 413, a service that cannot be reached is a
// plain 503 that does not reveal internal addresses, and a 401 says how to
// authenticate (RFC 6750).
func errorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if b, ok := r.Body.(*limitedBody); ok && b.exceeded {
		writeStatus(w, http.StatusRequestEntityTooLarge, tooLarge(b.limit))
		return
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unauthenticated {
		challenge := `Bearer realm="goldenthread"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token", error_description=` + strconv.Quote(st.Message())
		}
		// grpc-gateway sets its own WWW-Authenticate (the bare message) just
		// before writing the status, so ours goes in at that moment.
		w = challengeWriter{ResponseWriter: w, challenge: challenge}
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unavailable && len(st.Details()) == 0 {
		// A transport failure (connection refused, ...), not the service's
		// own answer.
		err = status.Error(codes.Unavailable, "the service is unavailable; retry later")
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// challengeWriter sets the WWW-Authenticate challenge of a 401 as the
// status is written.
type challengeWriter struct {
	http.ResponseWriter
	challenge string
}

func (c challengeWriter) WriteHeader(code int) {
	c.Header().Set("WWW-Authenticate", c.challenge)
	c.ResponseWriter.WriteHeader(code)
}

// limitedBody is a request body that fails once more than limit bytes are
// read, remembering that it did so that the error handler can answer 413.
type limitedBody struct {
	io.ReadCloser
	limit, read int64
	exceeded    bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		b.exceeded = true
		return 0, fmt.Errorf("request body is larger than %d bytes", b.limit)
	}
	if int64(len(p)) > b.limit-b.read+1 {
		p = p[:b.limit-b.read+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		b.exceeded = true
		return n, fmt.Errorf("request body is larger than %d bytes", b.limit)
	}
	return n, err
}

func limitBody(limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeStatus(w, http.StatusRequestEntityTooLarge, tooLarge(limit))
			return
		}
		r.Body = &limitedBody{ReadCloser: r.Body, limit: limit}
		h.ServeHTTP(w, r)
	})
}

// tooLarge is the answer to a body over the limit.
func tooLarge(limit int64) *status.Status {
	return status.Newf(codes.InvalidArgument, "request body is larger than %d bytes", limit)
}

// writeStatus writes st as the google.rpc.Status JSON of every error the
// gateway answers, under an HTTP status that no gRPC code maps to (413,
// 415).
func writeStatus(w http.ResponseWriter, httpCode int, st *status.Status) {
	body, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(st.Proto())
	if err != nil {
		body = []byte(`{"code":13,"message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpCode)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
