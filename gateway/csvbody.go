package gateway

import (
	"fmt"
	"io"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// csvMIME is the media type of measurement files (ImportMeasurements).
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
