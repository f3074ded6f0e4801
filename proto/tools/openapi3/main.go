// Command openapi3 writes the OpenAPI 3 document the gateway serves at
// /openapi.json (gateway/openapi/openapi.json) from the Swagger 2.0 document
// protoc-gen-openapiv2 makes of the protos. `make generate` runs it:
//
//	openapi3 goldenthread.swagger.json ../../gateway/openapi/openapi.json
//
// kin-openapi's openapi2conv converts; this program then says what Swagger
// 2.0 cannot, and what the gateway serves beyond the protos:
//
//   - the bearer scheme: 2.0 has only API keys, so the protos declare an
//     API key named "bearer", which becomes an HTTP bearer scheme here;
//   - errors: every 4XX and 5XX answer is a google.rpc.Status (2.0 has no
//     status ranges, only "default");
//   - raw bodies: a google.api.HttpBody sent or answered as text/csv is the
//     text itself, not the JSON of the message;
//   - request bodies: a body that is the whole request (body: "*") whose
//     every field is optional may be left out (the gateway reads no body
//     as {}), and an update's (PATCH) requires none of the resource's
//     required fields, since it changes only those it sends (update_mask);
//   - answers that leave out required fields: a person's email, withheld
//     from some callers, and the stubs of elements a caller may not read;
//   - path parameters: {people} is {person};
//   - revisions: HistoryService's {name=organisations/**} has no OpenAPI
//     template (a path parameter holds no "/"), so its methods are spelled
//     out for each kind of resource that keeps revisions;
//   - the routes the gateway serves itself (gateway.go): the live event
//     stream, the change log's CSV export and the report pack.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: openapi3 <Swagger 2.0 document> <OpenAPI 3 document to write>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "openapi3:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return err
	}
	if err := complete(doc); err != nil {
		return err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return fmt.Errorf("the OpenAPI 3 document is not valid: %w", err)
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(data, '\n'), 0o644)
}

// complete makes the converted document say what the gateway does (see the
// package comment), in place.
func complete(doc *openapi3.T) error {
	bearerScheme(doc)
	if err := partialAnswers(doc); err != nil {
		return err
	}
	renamePathParams(doc)
	if err := spellOutRevisions(doc); err != nil {
		return err
	}
	if err := addGatewayRoutes(doc); err != nil {
		return err
	}
	errValue, err := errorResponse(doc)
	if err != nil {
		return err
	}
	errResp := &openapi3.ResponseRef{Ref: "#/components/responses/Error", Value: errValue}
	doc.Components.Responses = openapi3.ResponseBodies{"Error": &openapi3.ResponseRef{Value: errResp.Value}}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		for method, op := range doc.Paths.Value(path).Operations() {
			rawBodies(op)
			requestBody(method, op)
			// Every 4XX and 5XX answer is an error, in place of the
			// "default" of Swagger 2.0.
			op.Responses.Delete("default")
			op.Responses.Set("4XX", errResp)
			op.Responses.Set("5XX", errResp)
		}
	}
	// Where the document is served, relative: the gateway that serves it.
	doc.Servers = openapi3.Servers{{URL: "/", Description: "The gateway serving this document."}}
	pruneSchemas(doc)
	return nil
}

// bearerScheme turns the "bearer" API key of the protos into the HTTP
// bearer scheme it stands for.
func bearerScheme(doc *openapi3.T) {
	ref := doc.Components.SecuritySchemes["bearer"]
	if ref == nil || ref.Value == nil {
		return
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
		Type:        "http",
		Scheme:      "bearer",
		Description: ref.Value.Description,
	}}
}

// withheld are fields REQUIRED in requests that some answers leave out: a
// person's email, for a caller who reads the organisation only through an
// owner (the organisations service's seenBy). OpenAPI's required would
// promise them in every answer; their descriptions say they are required.
var withheld = map[string][]string{"Person": {"email"}}

// stubbed are the lists of elements (schema, property) that hold, for an
// element of an organisation the caller may not read, a stub: its name,
// level and health only (the lists' restricted names them).
var stubbed = [][2]string{{"ElementThread", "elements"}, {"ElementTree", "linked"}}

// partialAnswers makes the schemas of answers that leave out required
// fields say so: the withheld fields are not required, and a stubbed list
// holds elements or stubs (an ElementStub).
func partialAnswers(doc *openapi3.T) error {
	for name, fields := range withheld {
		s := doc.Components.Schemas[name]
		if s == nil {
			return fmt.Errorf("withheld: no schema %s", name)
		}
		for _, f := range fields {
			if !slices.Contains(s.Value.Required, f) {
				return fmt.Errorf("withheld: %s.%s is not required", name, f)
			}
			s.Value.Required = slices.DeleteFunc(s.Value.Required, func(r string) bool { return r == f })
		}
	}
	element := doc.Components.Schemas["Element"]
	if element == nil {
		return errors.New("no schema Element")
	}
	stub := &openapi3.Schema{
		Type:        &openapi3.Types{openapi3.TypeObject},
		Description: "An element of an organisation the caller may not read: its name, level and health only.",
		Properties:  openapi3.Schemas{},
		Required:    []string{"name", "level"},
	}
	for _, f := range []string{"name", "level", "health"} {
		stub.Properties[f] = element.Value.Properties[f]
	}
	doc.Components.Schemas["ElementStub"] = &openapi3.SchemaRef{Value: stub}
	for _, sp := range stubbed {
		s := doc.Components.Schemas[sp[0]]
		if s == nil || s.Value.Properties[sp[1]] == nil || s.Value.Properties[sp[1]].Value.Items == nil {
			return fmt.Errorf("stubbed: no list %s.%s", sp[0], sp[1])
		}
		list := s.Value.Properties[sp[1]].Value
		list.Items = &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{
			list.Items,
			{Ref: "#/components/schemas/ElementStub", Value: stub},
		}}}
	}
	return nil
}

// singulars are the path parameters protoc-gen-openapiv2 names wrong: it
// names a collection's id after the collection without its final "s".
var singulars = map[string]string{"people": "person"}

// renamePathParams renames the path parameters in singulars, in the
// templates and in the operations' parameters.
func renamePathParams(doc *openapi3.T) {
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		renamed := path
		for from, to := range singulars {
			renamed = strings.ReplaceAll(renamed, "{"+from+"}", "{"+to+"}")
		}
		if renamed == path {
			continue
		}
		item := doc.Paths.Value(path)
		for _, op := range item.Operations() {
			for i, p := range op.Parameters {
				if to, ok := singulars[p.Value.Name]; ok && p.Value.In == openapi3.ParameterInPath {
					v := *p.Value
					v.Name = to
					op.Parameters[i] = &openapi3.ParameterRef{Value: &v}
				}
			}
		}
		doc.Paths.Delete(path)
		doc.Paths.Set(renamed, item)
	}
}

// The resources HistoryService keeps revisions of: every resource the
// service kit's resource engine stores, by the collection its names end in,
// and the publication, a singleton.
var (
	revisionCollections = []string{"organisations", "people", "teams", "members", "elements", "checkIns", "comments",
		"linkRequests", "cycles", "webhooks", "kpis", "measurements"}
	revisionSingletons = []string{"publication"}
)

// resourcePath matches the path of a resource under an organisation, as
// HistoryService's names do: up to three collections below the
// organisation, or a singleton.
var resourcePath = regexp.MustCompile(`^/v1/organisations/\{organisation\}(/[a-zA-Z]+/\{[a-zA-Z]+\}){0,3}(/[a-z][a-zA-Z]*)?$`)

// spellOutRevisions replaces each HistoryService path
// /v1/organisations/**:{method}, which protoc-gen-openapiv2 writes for
// {name=organisations/**}, by one path per kind of resource that keeps
// revisions: {resource}:listRevisions, and {resource}@{revision}:getRevision
// and :rollback (a revision's name is {resource}@{revision_id}).
func spellOutRevisions(doc *openapi3.T) error {
	var resources []string
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		segments := strings.Split(path, "/")
		last := segments[len(segments)-1]
		kept := slices.Contains(revisionSingletons, last) ||
			strings.HasPrefix(last, "{") && slices.Contains(revisionCollections, segments[len(segments)-2])
		if kept && resourcePath.MatchString(path) && doc.Paths.Value(path).Get != nil {
			resources = append(resources, path)
		}
	}
	found := 0
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		if !strings.Contains(path, "**") {
			continue
		}
		verb, ok := strings.CutPrefix(path, "/v1/organisations/**:")
		if !ok {
			return fmt.Errorf("%s: a path with ** that is not a HistoryService method", path)
		}
		item := doc.Paths.Value(path)
		doc.Paths.Delete(path)
		for method, template := range item.Operations() {
			for _, resource := range resources {
				newPath, params := resource+":"+verb, pathParams(doc.Paths.Value(resource).Get)
				if verb != "listRevisions" {
					newPath = resource + "@{revision}:" + verb
					revision := openapi3.NewPathParameter("revision").WithSchema(openapi3.NewStringSchema())
					revision.Description = "The revision's id (Revision.revision_id)."
					params = append(params, &openapi3.ParameterRef{Value: revision})
				}
				op := *template
				op.OperationID = template.OperationID + "_" + resourceLabel(resource)
				op.Parameters = params
				for _, p := range template.Parameters {
					if p.Value.In != openapi3.ParameterInPath {
						op.Parameters = append(op.Parameters, p)
					}
				}
				newItem := doc.Paths.Value(newPath)
				if newItem == nil {
					newItem = &openapi3.PathItem{}
					doc.Paths.Set(newPath, newItem)
				}
				newItem.SetOperation(method, &op)
			}
		}
		found++
	}
	if found != 3 {
		return fmt.Errorf("found %d HistoryService paths with **, want 3 (listRevisions, getRevision, rollback)", found)
	}
	return nil
}

// pathParams returns op's path parameters.
func pathParams(op *openapi3.Operation) openapi3.Parameters {
	var params openapi3.Parameters
	for _, p := range op.Parameters {
		if p.Value.In == openapi3.ParameterInPath {
			params = append(params, p)
		}
	}
	return params
}

// resourceLabel names a resource path in an operation id: its parameters
// (and singleton) capitalised, OrganisationElementComment for
// /v1/organisations/{organisation}/elements/{element}/comments/{comment}.
func resourceLabel(path string) string {
	var label strings.Builder
	segments := strings.Split(path, "/")
	for i, s := range segments {
		if name, ok := strings.CutPrefix(s, "{"); ok {
			s = strings.TrimSuffix(name, "}")
		} else if i != len(segments)-1 {
			continue
		}
		label.WriteString(strings.ToUpper(s[:1]) + s[1:])
	}
	return label.String()
}

// rawBodies makes a google.api.HttpBody sent or answered as CSV what it is
// on the wire: the text itself. A CSV answer is a download (the gateway's
// csvDownload names the file).
func rawBodies(op *openapi3.Operation) {
	raw := func(content openapi3.Content) bool {
		mt := content["text/csv"]
		if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/HttpBody" {
			return false
		}
		mt.Schema = &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}
		return true
	}
	if op.RequestBody != nil {
		raw(op.RequestBody.Value.Content)
	}
	for _, status := range slices.Sorted(maps.Keys(op.Responses.Map())) {
		if r := op.Responses.Value(status); r.Value != nil && raw(r.Value.Content) {
			r.Value.Headers = downloadHeaders()
		}
	}
}

// requestBody says what a request's body must hold: nothing at all where
// it is the whole request (body: "*") and every field of it is optional
// (the gateway reads no body as {}), and, in an update (PATCH), none of the
// resource's required fields, since it changes only the fields it sends.
func requestBody(method string, op *openapi3.Operation) {
	if op.RequestBody == nil {
		return
	}
	// openapi2conv keeps the Swagger 2.0 body parameter's name, which
	// protoc-gen-openapiv2 makes "body" for body: "*" and the field's name
	// otherwise; no client needs it.
	whole := op.RequestBody.Value.Extensions["x-originalParamName"] == "body"
	delete(op.RequestBody.Value.Extensions, "x-originalParamName")
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return
	}
	switch {
	case method == "PATCH" && len(mt.Schema.Value.Required) > 0:
		partial := *mt.Schema.Value
		partial.Required = nil
		mt.Schema = &openapi3.SchemaRef{Value: &partial}
	case method != "PATCH" && whole && len(mt.Schema.Value.Required) == 0:
		op.RequestBody.Value.Required = false
	}
}

// errorResponse is the response every error is: a google.rpc.Status.
func errorResponse(doc *openapi3.T) (*openapi3.Response, error) {
	status := doc.Components.Schemas["rpc.Status"]
	if status == nil {
		return nil, errors.New("no schema rpc.Status (google.rpc.Status) for the errors")
	}
	return openapi3.NewResponse().
		WithDescription("An error, as a google.rpc.Status: `code` (the gRPC code), `message`, and `details` " +
			"with a google.rpc.ErrorInfo and, for bad fields, a google.rpc.BadRequest naming each field. " +
			"The HTTP status follows the gRPC code: 400 INVALID_ARGUMENT, FAILED_PRECONDITION or OUT_OF_RANGE; " +
			"401 UNAUTHENTICATED (with a `WWW-Authenticate: Bearer` challenge); 403 PERMISSION_DENIED; " +
			"404 NOT_FOUND (also a resource of an organisation the caller has no role in); " +
			"409 ALREADY_EXISTS or ABORTED (a stale etag); 413 a body over the gateway's limit; " +
			"415 a body that is neither JSON nor, to an import, CSV; 429 RESOURCE_EXHAUSTED; " +
			"500 INTERNAL; 501 UNIMPLEMENTED; 503 UNAVAILABLE; 504 DEADLINE_EXCEEDED.").
		WithContent(openapi3.NewContentWithSchemaRef(&openapi3.SchemaRef{Ref: "#/components/schemas/rpc.Status", Value: status.Value},
			[]string{"application/json"})), nil
}

// addGatewayRoutes describes the routes the gateway serves itself, beside
// the ones grpc-gateway translates (gateway.go).
func addGatewayRoutes(doc *openapi3.T) error {
	org := doc.Paths.Value("/v1/organisations/{organisation}/changes")
	if org == nil || org.Get == nil {
		return errors.New("no ListChanges path to take the change log export's parameters from")
	}
	orgParam := pathParams(org.Get)

	events := &openapi3.Operation{
		OperationID: "Gateway_StreamEvents",
		Tags:        []string{"Events"},
		Summary: "StreamEvents streams an organisation's change events as server-sent events, " +
			"for as long as the caller may read the organisation.",
		Description: "Each event is `event: change` with the event's id and, as `data`, JSON of its " +
			"CloudEvents id, type, subject and time, and the resource and kind of change " +
			"(`{\"id\", \"type\", \"subject\", \"time\", \"resource\", \"change\"}`): read what changed through the API. " +
			"The stream opens with `: connected` and a `retry`, sends `: heartbeat` comments, " +
			"`event: resync` when the caller fell behind and missed events (reload), " +
			"`event: revoked` when the caller may no longer read the organisation (checked every 30 seconds) " +
			"and `event: closing` when the gateway stops. A caller holds a few streams at once (429 past them).",
		Parameters: orgParam,
		Responses:  openapi3.NewResponses(),
	}
	events.Responses.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().
		WithDescription("The event stream.").
		WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/event-stream"}))})
	doc.Paths.Set("/v1/organisations/{organisation}/events", &openapi3.PathItem{Get: events})

	var exportParams openapi3.Parameters
	exportParams = append(exportParams, orgParam...)
	for _, p := range org.Get.Parameters {
		if p.Value.In == openapi3.ParameterInQuery && p.Value.Name != "page_size" && p.Value.Name != "page_token" {
			exportParams = append(exportParams, p)
		}
	}
	export := &openapi3.Operation{
		OperationID: "HistoryService_ExportChanges",
		Tags:        []string{"HistoryService"},
		Summary:     "ExportChanges downloads the change log ListChanges selects, with the same filters, as CSV.",
		Description: "Newest first, at most 100,000 revisions: a header line " +
			"`time,actor,actor_name,action,resource_type,resource,field,old_value,new_value`, then one line per " +
			"field a change set (one line for a change that set none), with the actor's name where the organisation " +
			"has a person of that subject.",
		Parameters: exportParams,
		Responses:  openapi3.NewResponses(),
	}
	export.Responses.Set("200", csvDownload("The change log, as a download named changes.csv."))
	doc.Paths.Set("/v1/organisations/{organisation}/changes:export", &openapi3.PathItem{Get: export})

	report := &openapi3.Operation{
		OperationID: "Gateway_GetReportPack",
		Tags:        []string{"Reports"},
		Summary:     "GetReportPack returns the organisation's report pack, read as the caller, as a PDF or an HTML page.",
		Description: "The Accept header chooses the form: the one it prefers, a PDF when it accepts either or " +
			"says nothing; 400 when it accepts neither.",
		Parameters: append(append(openapi3.Parameters{}, orgParam...),
			queryParam("team", "Only this team's part of the plan, `organisations/{organisation}/teams/{team}`.", openapi3.NewStringSchema()),
			queryParam("cycle", "Only this planning cycle, `organisations/{organisation}/cycles/{cycle}`.", openapi3.NewStringSchema()),
			queryParam("as_of", "The plan as it stood at this time (RFC 3339).", openapi3.NewDateTimeSchema())),
		Responses: openapi3.NewResponses(),
	}
	pdf := openapi3.NewStringSchema()
	pdf.Format = "binary"
	report.Responses.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().
		WithDescription("The report pack.").
		WithContent(openapi3.Content{
			"application/pdf": openapi3.NewMediaType().WithSchema(pdf),
			"text/html":       openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema()),
		})})
	doc.Paths.Set("/v1/organisations/{organisation}:report", &openapi3.PathItem{Get: report})

	doc.Tags = append(doc.Tags,
		&openapi3.Tag{Name: "Events", Description: "The live change events of an organisation, served by the gateway from NATS."},
		&openapi3.Tag{Name: "Reports", Description: "The report pack of an organisation, rendered by the gateway."})
	return nil
}

// csvDownload is a 200 answer of CSV text, sent as a download.
func csvDownload(description string) *openapi3.ResponseRef {
	r := openapi3.NewResponse().
		WithDescription(description).
		WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/csv"}))
	r.Headers = downloadHeaders()
	return &openapi3.ResponseRef{Value: r}
}

// downloadHeaders are the headers of an answer a browser saves as a file.
func downloadHeaders() openapi3.Headers {
	disposition := openapi3.Parameter{
		Description: "`attachment; filename=\"...\"`: a browser saves the answer as this file.",
		Schema:      &openapi3.SchemaRef{Value: openapi3.NewStringSchema()},
	}
	return openapi3.Headers{"Content-Disposition": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: disposition}}}
}

// queryParam is an optional query parameter.
func queryParam(name, description string, schema *openapi3.Schema) *openapi3.ParameterRef {
	p := openapi3.NewQueryParameter(name).WithSchema(schema)
	p.Description = description
	return &openapi3.ParameterRef{Value: p}
}

// pruneSchemas drops the schemas nothing refers to any more (HttpBody, once
// its bodies are text).
func pruneSchemas(doc *openapi3.T) {
	for {
		data, err := json.Marshal(doc)
		if err != nil {
			return
		}
		pruned := false
		for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
			if !strings.Contains(string(data), `"#/components/schemas/`+name+`"`) {
				delete(doc.Components.Schemas, name)
				pruned = true
			}
		}
		if !pruned {
			return
		}
	}
}
