package planning_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// testComments: contributors comment on an element, mentioning people of
// the organisation (each mention published, an unknown one refused, an
// email address no mention); the author alone edits (the old text kept,
// a new mention published) and deletes (soft); viewers read but do not
// comment unless the organisation lets them; bad text names its field and
// stores nothing.
func (e *env) testComments(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "talking")
	person := func(id string, role identitypb.Role) string { return e.person(t, p.org, id, role) }
	ana, bo := person("ana", identitypb.Role_ROLE_CONTRIBUTOR), person("bo", identitypb.Role_ROLE_CONTRIBUTOR)
	person("vi", identitypb.Role_ROLE_VIEWER)
	as := func(who string) pb.CommentsServiceClient { return e.as(t, e.auth.Token(t, "sub-"+who)).comments }
	write := func(who, text string) (*pb.Comment, error) {
		return as(who).CreateComment(c, &pb.CreateCommentRequest{Parent: p.strategy, Comment: &pb.Comment{Text: text}})
	}
	first, err := write("ana", "@bo can you book the venues? Mail ops@talking.example if stuck.")
	if err != nil {
		t.Fatalf("a contributor commenting: %v", err)
	}
	if !slices.Equal(first.Mentions, []string{bo}) || first.Author != ana {
		t.Errorf("comment = %v, want it by ana mentioning bo only", first)
	}
	mentioned := func() int {
		var n int
		if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM outbox WHERE subject LIKE ? AND resource LIKE ?",
			"%.talking.comment.mentioned", p.strategy+"/comments/%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := mentioned(); n != 1 {
		t.Errorf("%d CommentMentioned events, want 1", n)
	}
	for _, tc := range []struct {
		name, who, text, field string
		code                   codes.Code
	}{
		{"an unknown person", "ana", "@zed what do you think?", "comment.text", codes.InvalidArgument},
		{"no text", "ana", "", "comment.text", codes.InvalidArgument},
		{"too long", "ana", strings.Repeat("x", 4001), "comment.text", codes.InvalidArgument},
		{"a viewer", "vi", "I see", "", codes.PermissionDenied},
	} {
		_, err := write(tc.who, tc.text)
		apitest.WantCode(t, err, tc.code, tc.field)
	}
	edit := func(who, text string) (*pb.Comment, error) {
		return as(who).UpdateComment(c, &pb.UpdateCommentRequest{Comment: &pb.Comment{Name: first.Name, Text: text},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"text"}}})
	}
	_, err = edit("bo", "I rewrote ana's comment")
	apitest.WantCode(t, err, codes.PermissionDenied, "")
	edited, err := edit("ana", "@bo and @ana: the venues, please.")
	if err != nil {
		t.Fatalf("the author editing: %v", err)
	}
	if len(edited.Edits) != 1 || edited.Edits[0].Text != first.Text || !slices.Equal(edited.Mentions, []string{bo, ana}) {
		t.Errorf("edited comment = %v", edited)
	}
	if n := mentioned(); n != 2 {
		t.Errorf("%d CommentMentioned events after an edit adding one, want 2", n)
	}
	second, err := write("bo", "Booked.")
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.comments.ListComments(c, &pb.ListCommentsRequest{Parent: p.strategy})
	if err != nil || len(list.Comments) != 2 || list.Comments[0].Name != first.Name || list.Comments[1].Name != second.Name {
		t.Errorf("comments = %v, %v; want oldest first", list.GetComments(), err)
	}
	_, err = as("ana").DeleteComment(c, &pb.DeleteCommentRequest{Name: second.Name})
	apitest.WantCode(t, err, codes.PermissionDenied, "")
	if _, err := as("bo").DeleteComment(c, &pb.DeleteCommentRequest{Name: second.Name}); err != nil {
		t.Fatalf("the author deleting: %v", err)
	}
	list, _ = e.comments.ListComments(c, &pb.ListCommentsRequest{Parent: p.strategy})
	all, _ := e.comments.ListComments(c, &pb.ListCommentsRequest{Parent: p.strategy, ShowDeleted: true})
	if len(list.GetComments()) != 1 || len(all.GetComments()) != 2 {
		t.Errorf("after a deletion: %d listed, %d with deleted; want 1 and 2", len(list.GetComments()), len(all.GetComments()))
	}
	if n := e.count(t, "comments WHERE organisation_id = 'talking'"); n != 2 {
		t.Errorf("%d comments stored, want 2 (the refused ones stored nothing)", n)
	}
	// A check-in has its own discussion.
	ci, err := e.checkIns.CreateCheckIn(c, &pb.CreateCheckInRequest{Parent: p.strategy, CheckIn: &pb.CheckIn{Assessment: pb.Health_HEALTH_AT_RISK, Summary: "Slow."}})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := as("bo").CreateComment(c, &pb.CreateCommentRequest{Parent: ci.Name, Comment: &pb.Comment{Text: "Slow how, @ana?"}})
	if err != nil || !strings.HasPrefix(reply.Name, ci.Name+"/comments/") || !slices.Equal(reply.Mentions, []string{ana}) {
		t.Fatalf("a comment on a check-in: %v, %v", reply, err)
	}
	onCheckIn, _ := e.comments.ListComments(c, &pb.ListCommentsRequest{Parent: ci.Name})
	onElement, _ := e.comments.ListComments(c, &pb.ListCommentsRequest{Parent: p.strategy})
	if len(onCheckIn.GetComments()) != 1 || len(onElement.GetComments()) != 1 {
		t.Errorf("%d comments on the check-in (want 1), %d on its element (want 1)", len(onCheckIn.GetComments()), len(onElement.GetComments()))
	}
	if got, err := e.comments.GetComment(c, &pb.GetCommentRequest{Name: reply.Name}); err != nil || got.Text != reply.Text {
		t.Errorf("get the check-in's comment: %v, %v", got, err)
	}
	_, err = as("ana").CreateComment(c, &pb.CreateCommentRequest{Parent: p.strategy + "/checkIns/ghost", Comment: &pb.Comment{Text: "?"}})
	apitest.WantCode(t, err, codes.NotFound, "")

	// Where the organisation lets them, viewers comment too.
	if _, err := e.orgs.UpdateOrganisation(c, &orgpb.UpdateOrganisationRequest{Organisation: &orgpb.Organisation{Name: p.org, ViewersMayComment: true},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"viewers_may_comment"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := write("vi", "Thank you, all."); err != nil {
		t.Errorf("a viewer commenting where viewers may: %v", err)
	}
}
