package gateway

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/proto"
)

// csvMIME is the media type of measurement files (ImportMeasurements,
// ExportMeasurements).
const csvMIME = "text/csv"

// rawBodyMarshaler reads a request body as it is into the google.api.HttpBody
// field the route names as its body, so a spreadsheet's CSV export can be
// sent unchanged. Everything else, answers included, is the JSON of the
// wrapped marshaler: a caller sending CSV still reads JSON back.
type rawBodyMarshaler struct {
	runtime.Marshaler
	contentType string
}

// NewDecoder implements runtime.Marshaler.
func (m rawBodyMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		target, ok := v.(**httpbody.HttpBody)
		if !ok {
			return fmt.Errorf("this method does not take %s; send JSON", m.contentType)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		*target = &httpbody.HttpBody{ContentType: m.contentType, Data: data}
		return nil
	})
}

// pathParamsKey holds a route's path parameters in a request's context.
type pathParamsKey struct{}

// rememberPathParams keeps the route's path parameters in the request's
// context, where csvDownload finds the resource a file is named after.
func rememberPathParams(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		next(w, r.WithContext(context.WithValue(r.Context(), pathParamsKey{}, params)), params)
	}
}

// csvDownload makes a CSV answer (ExportMeasurements) a download, named
// after the resource it comes from (organisations/o/kpis/k -> k.csv), so
// that a browser opening the URL saves the file instead of showing it. It
// runs only on success: an error stays JSON to read.
func csvDownload(ctx context.Context, w http.ResponseWriter, m proto.Message) error {
	body, ok := m.(*httpbody.HttpBody)
	if !ok {
		return nil
	}
	if media, _, err := mime.ParseMediaType(body.GetContentType()); err != nil || media != csvMIME {
		return nil
	}
	params, _ := ctx.Value(pathParamsKey{}).(map[string]string)
	// The name is only letters, digits, - and _ (downloadName), so quoting
	// it needs no escapes.
	w.Header().Set("Content-Disposition", `attachment; filename="`+downloadName(params)+`"`)
	return nil
}

// downloadName is the file name of a download: the id of the resource the
// route names, in the characters every file system takes, or
// "measurements.csv".
func downloadName(params map[string]string) string {
	resource := params["parent"]
	if resource == "" {
		resource = params["name"]
	}
	id := path.Base(resource)
	if id == "" || id == "." || id == "/" || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		return "measurements.csv"
	}
	return id + ".csv"
}
