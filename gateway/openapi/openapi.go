// Package openapi holds the OpenAPI (Swagger 2.0) document of the REST API,
// generated from the protos by `make generate`.
package openapi

import _ "embed"

// JSON is the OpenAPI document.
//
//go:embed goldenthread.swagger.json
var JSON []byte
