package auth

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
)

func TestOrganisationOf(t *testing.T) {
	for _, tc := range []struct {
		req        proto.Message
		org, named string
	}{
		{&teamspb.GetTeamRequest{Name: "organisations/north/teams/a"}, "north", "organisations/north/teams/a"},
		{&teamspb.CreateMemberRequest{Parent: "organisations/north/teams/a"}, "north", "organisations/north/teams/a"},
		{&teamspb.UpdateTeamRequest{Team: &teamspb.Team{Name: "organisations/south/teams/b"}}, "south", "organisations/south/teams/b"},
		{&orgpb.GetOrganisationRequest{Name: "organisations/west"}, "west", "organisations/west"},
		{&orgpb.CreateApiTokenRequest{}, "", ""},
		{&orgpb.GetApiTokenRequest{Name: "apiTokens/x"}, "", "apiTokens/x"},
		{&orgpb.ListOrganisationsRequest{}, "", ""},
	} {
		org, named := organisationOf(tc.req)
		if org != tc.org || named != tc.named {
			t.Errorf("organisationOf(%v) = %q, %q; want %q, %q", tc.req, org, named, tc.org, tc.named)
		}
	}
}

func TestCheck(t *testing.T) {
	req := &teamspb.GetTeamRequest{Name: "organisations/north/teams/a"}
	viewer := &Principal{Subject: "user:v", Roles: map[string]identitypb.Role{"north": identitypb.Role_ROLE_VIEWER}}
	admin := &Principal{Subject: "user:a", Roles: map[string]identitypb.Role{"north": identitypb.Role_ROLE_ADMIN}}
	stranger := &Principal{Subject: "user:s", Roles: map[string]identitypb.Role{"south": identitypb.Role_ROLE_ADMIN}}
	platform := &Principal{Subject: "token:apiTokens/p", PlatformAdmin: true}
	crossing := &teamspb.CreateMemberRequest{Parent: "organisations/south/teams/b",
		Member: &teamspb.Member{Person: "organisations/north/people/p"}}
	for _, tc := range []struct {
		name string
		p    *Principal
		rule Rule
		req  proto.Message
		want codes.Code
	}{
		{"viewer reads", viewer, Viewer, req, codes.OK},
		{"viewer cannot change", viewer, Admin, req, codes.PermissionDenied},
		{"admin changes", admin, Admin, req, codes.OK},
		{"another organisation's admin sees nothing", stranger, Viewer, req, codes.NotFound},
		{"platform admin is admin everywhere", platform, Admin, req, codes.OK},
		{"platform methods", admin, Platform, req, codes.PermissionDenied},
		{"platform methods for platform admins", platform, Platform, req, codes.OK},
		{"no organisation named needs a platform admin", admin, Admin, &orgpb.CreateApiTokenRequest{}, codes.PermissionDenied},
		{"any caller", stranger, AnyCaller, &orgpb.ListOrganisationsRequest{}, codes.OK},
		{"no principal", nil, Viewer, req, codes.Unauthenticated},
		// From: the role is needed where the field points (north), not in
		// the parent's organisation (south).
		{"a rule from another field", viewer, Viewer.In("member.person"), crossing, codes.OK},
		{"a rule from another field, not the parent", stranger, Viewer.In("member.person"), crossing, codes.NotFound},
		{"a rule from an empty field", viewer, Viewer.In("team.name"), &teamspb.UpdateTeamRequest{}, codes.PermissionDenied},
		{"a rule from a missing field", viewer, Viewer.In("team.nope"), req, codes.PermissionDenied},
	} {
		if got := status.Code(Check(tc.p, tc.rule, tc.req)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	err := Check(stranger, Viewer, req)
	if st := status.Convert(err); st.Message() != "organisations/north/teams/a not found" {
		t.Errorf("NOT_FOUND for a stranger must look like any NOT_FOUND: %q", st.Message())
	}
}

func TestCredentialKinds(t *testing.T) {
	if !IsJWT("aaa.bbb.ccc") || IsJWT("gt_abc.def") || IsJWT("plain") {
		t.Error("IsJWT misclassifies")
	}
}
