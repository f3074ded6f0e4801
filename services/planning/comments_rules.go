package planning

import (
	"regexp"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// The rules of comments, as pure functions.

// mention is @{person id} at the start of the text or after anything but a
// letter, digit or the characters of an email address's local part, so
// that ana@example.org mentions nobody.
var mention = regexp.MustCompile(`(?:^|[^A-Za-z0-9._%+-])@([a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)`)

// mentionsIn returns the people of organisation orgID that text mentions,
// as names, in order, each once.
func mentionsIn(orgID, text string) []string {
	var out []string
	for _, m := range mention.FindAllStringSubmatch(text, -1) {
		name := "organisations/" + orgID + "/people/" + m[1]
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// newComment returns the record of a comment of organisation orgID on
// parent (a live element, check-in or KPI, which the handler checks), its
// id id, from in, by author (a person's name, or "") and actor (who may
// edit it).
func newComment(orgID, parent, id string, in *pb.Comment, author, actor string) *commentRecord {
	return &commentRecord{Stored: resource.Hold(&pb.Comment{
		Name: parent + "/comments/" + id, Text: in.Text, Mentions: mentionsIn(orgID, in.Text), Author: author}), orgID: orgID, parent: parent, id: id, createActor: actor}
}

// editComment returns current with text, the text before kept as an edit
// at now, or the rule it breaks: only its author (actor) edits a comment.
// The same text again is no edit: current comes back as it is, which the
// engine answers as a no-op (same etag, no event).
func editComment(current *commentRecord, text, actor string, now *timestamppb.Timestamp) (*commentRecord, error) {
	if err := checkCommentAuthor(current, actor); err != nil {
		return nil, err
	}
	if text == current.Msg.Text {
		return current, nil
	}
	next := *current
	next.Msg = proto.CloneOf(current.Msg)
	next.Msg.Edits = append(next.Msg.Edits, &pb.CommentEdit{Text: current.Msg.Text, EditTime: now})
	next.Msg.Text, next.Msg.Mentions = text, mentionsIn(current.orgID, text)
	return &next, nil
}

// checkCommentAuthor fails unless actor wrote the comment.
func checkCommentAuthor(r *commentRecord, actor string) error {
	if r.createActor != actor {
		return apierr.PermissionDenied("only its author edits or deletes a comment; " + r.Msg.Name + " is " + r.createActor + "'s")
	}
	return nil
}

// newMentions are the people next mentions that current did not.
func newMentions(current, next []string) []string {
	var out []string
	for _, p := range next {
		if !slices.Contains(current, p) {
			out = append(out, p)
		}
	}
	return out
}
