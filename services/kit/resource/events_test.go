package resource

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// written is one event an Emit received.
type written struct {
	name, entity, change string
	payload              proto.Message
}

func recorder(out *[]written) Emit {
	return func(_ context.Context, _ *sqldb.Tx, name, entity, change string, payload proto.Message) error {
		*out = append(*out, written{name, entity, change, payload})
		return nil
	}
}

func TestEventsOf(t *testing.T) {
	ctx := context.Background()
	var got []written
	member := &teamspb.Member{Name: "organisations/o/teams/t/members/m"}
	members := EventsOf[*teamspb.Member](recorder(&got), "member")
	if err := members.Created(ctx, nil, member); err != nil {
		t.Fatal(err)
	}
	if err := members.Updated(ctx, nil, member, []string{"role"}); err != nil {
		t.Fatal(err)
	}
	if err := members.Deleted(ctx, nil, member, "organisations/o/people/p"); err != nil {
		t.Fatal(err)
	}
	if err := members.Undeleted(ctx, nil, member, ""); err == nil {
		t.Error("a membership was restored, though the API has no MemberUndeleted")
	}
	token := &orgpb.ApiToken{Name: "organisations/o/apiTokens/k"}
	if err := EventsOf[*orgpb.ApiToken](recorder(&got), "api_token").Deleted(ctx, nil, token, ""); err != nil {
		t.Fatal(err)
	}
	want := []written{
		{member.Name, "member", "added", &teamspb.MemberAdded{Member: member}},
		{member.Name, "member", "updated", &teamspb.MemberUpdated{Member: member, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}}},
		{member.Name, "member", "removed", &teamspb.MemberRemoved{Member: member, Cause: "organisations/o/people/p"}},
		{token.Name, "api_token", "revoked", &orgpb.ApiTokenRevoked{ApiToken: token}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.name != w.name || g.entity != w.entity || g.change != w.change || !proto.Equal(g.payload, w.payload) {
			t.Errorf("event %d: %v %v %v %v, want %v %v %v %v", i, g.name, g.entity, g.change, g.payload, w.name, w.entity, w.change, w.payload)
		}
	}
}
