// Package openapi holds the OpenAPI 3 document of the REST API, which the
// gateway serves at /openapi.json. `make generate` makes it from the protos:
// protoc-gen-openapiv2 writes Swagger 2.0 and proto/tools/openapi3 converts
// it, adding what 2.0 cannot say and the routes the gateway serves itself.
package openapi

import _ "embed"

// JSON is the OpenAPI document.
//
//go:embed openapi.json
var JSON []byte
