package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// checkRequests is the one place where every REST call is checked for what
// grpc-gateway would otherwise let through, before it turns the call into a
// gRPC request (and so before any service authenticates the caller):
//
//   - path and query parameters, percent-decoded, must be valid UTF-8: a
//     proto string cannot hold anything else, and grpc-gateway would only
//     find out while marshalling the request, answering 500;
//   - a body must be JSON (Content-Type application/json, in UTF-8, or no
//     Content-Type at all) or, for the routes that take a file, CSV; any
//     other type is 415 rather than read as JSON, so that what a proxy or
//     firewall sees is what the service gets;
//   - a JSON body must be one JSON value: the decoder stops after the first
//     one and would ignore (and so accept) whatever follows.
//
// It is a grpc-gateway middleware so that it knows the route's path
// parameters by their field names ("name", "parent", ...), which are the
// names a 400 gives. The live event stream, not a grpc-gateway route, takes
// no body or query and checks its one path parameter itself.
func checkRequests(mux *runtime.ServeMux, next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		fail := func(err error) {
			_, out := runtime.MarshalerForRequest(mux, r)
			runtime.HTTPError(r.Context(), mux, out, w, r, err)
		}
		if err := checkParameters(params, r); err != nil {
			fail(err)
			return
		}
		if r.ContentLength == 0 { // no body (a server request's unknown length is -1)
			next(w, r, params)
			return
		}
		kind, ok := bodyKind(r.Header.Get("Content-Type"))
		if !ok {
			writeStatus(w, http.StatusUnsupportedMediaType, unsupportedMediaType())
			return
		}
		if kind == csvMIME {
			// Read as it is by rawBodyMarshaler, which refuses it on a
			// route that takes JSON.
			next(w, r, params)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// Over the size limit (the error handler says so with a 413)
			// or the client went away.
			fail(status.Error(codes.InvalidArgument, "the request body could not be read"))
			return
		}
		if err := oneJSONValue(body); err != nil {
			fail(err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r, params)
	}
}

// checkParameters reports every path and query parameter that is not valid
// UTF-8, naming each (a name that is itself not UTF-8 shown with U+FFFD).
func checkParameters(path map[string]string, r *http.Request) error {
	var bad []apierr.FieldViolation
	for name, v := range path {
		if !utf8.ValidString(v) {
			bad = append(bad, apierr.FieldViolation{Field: printable(name), Description: "must be valid UTF-8"})
		}
	}
	// url.ParseQuery decodes what it can; what it cannot, grpc-gateway's own
	// parsing refuses with a 400.
	query, _ := url.ParseQuery(r.URL.RawQuery)
	for name, values := range query {
		if !utf8.ValidString(name) || slices.ContainsFunc(values, func(v string) bool { return !utf8.ValidString(v) }) {
			bad = append(bad, apierr.FieldViolation{Field: printable(name), Description: "must be valid UTF-8"})
		}
	}
	if len(bad) == 0 {
		return nil
	}
	// Map order is random; a reply should not be.
	slices.SortFunc(bad, func(a, b apierr.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return apierr.InvalidArguments(bad)
}

// printable is s with every byte that is not UTF-8 replaced by U+FFFD: a
// field violation is a proto string, so it cannot carry them.
func printable(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// bodyKind says how a body with this Content-Type is read: as JSON (also
// when the type is missing, as from a bare HTTP client) or as CSV; ok is
// false for anything else, including JSON in a charset other than UTF-8.
func bodyKind(contentType string) (kind string, ok bool) {
	if strings.TrimSpace(contentType) == "" {
		return "application/json", true
	}
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	switch media {
	case "application/json":
		if cs, set := params["charset"]; set && !strings.EqualFold(cs, "utf-8") {
			return "", false
		}
		return media, true
	case csvMIME:
		return media, true
	}
	return "", false
}

// unsupportedMediaType is the answer to a body that is neither JSON nor
// CSV. It says what to send, since the usual cause is `curl -d` without a
// Content-Type (curl then sends a form's type).
func unsupportedMediaType() *status.Status {
	st := status.New(codes.InvalidArgument,
		"the request body must be JSON: send Content-Type: application/json (curl --json), or text/csv to an :import method")
	if withInfo, err := st.WithDetails(&errdetails.ErrorInfo{Reason: "UNSUPPORTED_MEDIA_TYPE", Domain: apierr.Domain}); err == nil {
		return withInfo
	}
	return st
}

// oneJSONValue checks that body holds at most one JSON value and nothing
// after it but whitespace. Whether that value is well-formed is left to the
// request's own decoder, which says so in the terms of the request message.
func oneJSONValue(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return nil // empty (allowed: no fields) or malformed (the decoder's 400)
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return apierr.InvalidArgument("body", fmt.Sprintf("must be one JSON value; found more after byte %d", dec.InputOffset()))
	}
	return nil
}
