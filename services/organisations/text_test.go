package organisations_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/timestamppb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

func TestRefusedInput(t *testing.T) {
	runSuite(t, []suiteTest{
		{"control characters, in fields and filters", (*env).testControlCharacters},
		{"invalid UTF-8 over raw gRPC", (*env).testInvalidUTF8},
		{"times past year 9999", (*env).testTimeRange},
	})
}

// testControlCharacters sends NUL and other control characters, which
// PostgreSQL refused with a 500 before the services did, in a resource's
// fields and in a filter: each is INVALID_ARGUMENT naming the field, and
// nothing is stored. Free text (a description) may hold line breaks.
func (e *env) testControlCharacters(t *testing.T) {
	c := ctx(t)
	check := e.unchanged(t, "organisations", nil)
	runBadCases(t, []badCase{
		{"NUL in a display name", func() error { return create(c, e, "", council("North\x00")) }, codes.InvalidArgument, "organisation.display_name"},
		{"escape in a display name", func() error { return create(c, e, "", council("North\x1b[2J")) }, codes.InvalidArgument, "organisation.display_name"},
		{"line break in a display name", func() error { return create(c, e, "", council("North\nSouth")) }, codes.InvalidArgument, "organisation.display_name"},
		{"NUL in free text", func() error {
			return create(c, e, "", &pb.Organisation{DisplayName: "x", Kind: pb.Organisation_KIND_COUNCIL, Description: "a\x00b"})
		}, codes.InvalidArgument, "organisation.description"},
		{"NUL in a request_id", func() error {
			_, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{Organisation: council("x"), RequestId: "r\x00"})
			return err
		}, codes.InvalidArgument, "request_id"},
		{"NUL in a filter", func() error {
			return errOf(e.client.ListOrganisations(c, &pb.ListOrganisationsRequest{Filter: `display_name = "a` + "\x00" + `"`}))
		}, codes.InvalidArgument, "filter"},
		{"C1 control in a filter", func() error {
			return errOf(e.client.ListOrganisations(c, &pb.ListOrganisationsRequest{Filter: "display_name = \"\u0085\""}))
		}, codes.InvalidArgument, "filter"},
	})
	check()
	o, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{DisplayName: "Ünïcödé Council",
		Kind: pb.Organisation_KIND_COUNCIL, Description: "Line one.\r\nLine two,\tafter a tab."}})
	if err != nil || o.Description != "Line one.\r\nLine two,\tafter a tab." {
		t.Fatalf("free text with line breaks and tabs: %v, %v", o, err)
	}
}

// rawCodec sends a request's wire bytes as they are, so that a test can
// send what no protobuf library would marshal: invalid UTF-8 in a string.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}
func (rawCodec) Unmarshal(mem.BufferSlice, any) error { return nil }
func (rawCodec) Name() string                         { return "proto" }

// testInvalidUTF8 sends CreateOrganisation with invalid UTF-8 in the
// display name over raw gRPC: grpc-go answered INTERNAL; the service
// answers INVALID_ARGUMENT naming the field, and stores nothing.
func (e *env) testInvalidUTF8(t *testing.T) {
	c := ctx(t)
	conn := servicetest.Dial(t, e.addr, e.auth.Token(t, authtest.PlatformAdmin), grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{})))
	// CreateOrganisationRequest{organisation (1): {display_name (2), kind (4)}}
	var org []byte
	org = protowire.AppendTag(org, 2, protowire.BytesType)
	org = protowire.AppendString(org, "North \xff\xfe Council")
	org = protowire.AppendTag(org, 4, protowire.VarintType)
	org = protowire.AppendVarint(org, uint64(pb.Organisation_KIND_COUNCIL))
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, org)
	check := e.unchanged(t, "organisations", nil)
	err := conn.Invoke(c, "/goldenthread.organisations.v1.OrganisationsService/CreateOrganisation", req, new([]byte))
	apitest.WantCode(t, err, codes.InvalidArgument, "organisation.display_name")
	check()
}

// testTimeRange creates an API token expiring after year 9999 over gRPC
// (REST's JSON already refused it): refused naming the field, so that
// listing and revoking the organisation's tokens keep working.
func (e *env) testTimeRange(t *testing.T) {
	c := ctx(t)
	if err := create(c, e, "far-future", council("Far Future")); err != nil {
		t.Fatal(err)
	}
	check := e.unchanged(t, "api_tokens", nil)
	_, err := e.access(t).CreateApiToken(c, &pb.CreateApiTokenRequest{Parent: "organisations/far-future",
		ApiToken: &pb.ApiToken{DisplayName: "forever", Role: identitypb.Role_ROLE_VIEWER,
			ExpireTime: &timestamppb.Timestamp{Seconds: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix() + 1}}})
	apitest.WantCode(t, err, codes.InvalidArgument, "api_token.expire_time")
	check()
	if _, err := e.access(t).ListApiTokens(context.Background(), &pb.ListApiTokensRequest{Parent: "organisations/far-future"}); err != nil {
		t.Errorf("list tokens: %v", err)
	}
}
