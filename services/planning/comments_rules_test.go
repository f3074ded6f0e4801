package planning

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

func TestEditComment(t *testing.T) {
	current := newComment("o", "organisations/o/elements/e", "c", &pb.Comment{Text: "first"}, "", "users/ann")
	now := timestamppb.Now()
	for _, tc := range []struct {
		name, text, actor string
		code              codes.Code
		wantText          string
		edits             int
	}{
		{"new text", "second", "users/ann", codes.OK, "second", 1},
		{"the same text: no edit", "first", "users/ann", codes.OK, "first", 0},
		{"another's comment", "second", "users/bob", codes.PermissionDenied, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := proto.CloneOf(current.Msg)
			next, err := editComment(current, tc.text, tc.actor, now)
			if status.Code(err) != tc.code {
				t.Fatalf("error %v, want %s", err, tc.code)
			}
			if !proto.Equal(current.Msg, before) {
				t.Errorf("the current comment changed: %v", current.Msg)
			}
			if err != nil {
				return
			}
			if next.Msg.Text != tc.wantText || len(next.Msg.Edits) != tc.edits {
				t.Errorf("text %q with %d edits, want %q with %d", next.Msg.Text, len(next.Msg.Edits), tc.wantText, tc.edits)
			}
			if tc.edits == 0 && !proto.Equal(next.Msg, current.Msg) {
				t.Errorf("an edit to the same text changed the comment: %v", next.Msg)
			}
		})
	}
}
