package organisations

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// A chat webhook (Webhook.FORMAT_CHAT) posts a line for people to read,
// `{"text": ...}`, which Slack's and Microsoft Teams' incoming webhooks
// show as a message: what changed, its title, and who changed it, by name.

// Media types of deliveries.
const (
	cloudEventsMIME = "application/cloudevents+json"
	chatMIME        = "application/json"
)

// chatMessage is the chat message of an event of type typ of
// organisation orgID whose payload is payload.
func chatMessage(ctx context.Context, q sqldb.Querier, orgID, typ string, payload proto.Message) ([]byte, error) {
	text := eventWords(typ)
	title, actor := describe(payload)
	if title != "" {
		text += ": “" + title + "”"
	}
	by, err := actorName(ctx, q, orgID, actor)
	if err != nil {
		return nil, err
	}
	if by != "" {
		text += ", by " + by
	}
	return json.Marshal(map[string]string{"text": text})
}

// eventWords is an event type as words: goldenthread.planning.v1.
// ElementUpdated is "Element updated".
func eventWords(typ string) string {
	name := typ[strings.LastIndex(typ, ".")+1:]
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// describe reads, from an event's payload, the title (or display name) and
// update actor of the resource it holds in its first field.
func describe(payload proto.Message) (title, actor string) {
	m := payload.ProtoReflect()
	fd := m.Descriptor().Fields().ByNumber(1)
	if fd == nil || fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() {
		return "", ""
	}
	resource := m.Get(fd).Message()
	text := func(name protoreflect.Name) string {
		f := resource.Descriptor().Fields().ByName(name)
		if f == nil || f.Kind() != protoreflect.StringKind || f.IsList() {
			return ""
		}
		return resource.Get(f).String()
	}
	return cmp.Or(text("title"), text("display_name")), text("update_actor")
}

// actorName is who an actor is, as people read it: a person of orgID by
// name, an API token, or Golden Thread itself; "" for no actor.
func actorName(ctx context.Context, q sqldb.Querier, orgID, actor string) (string, error) {
	kind, id, _ := strings.Cut(actor, ":")
	switch kind {
	case "":
		return "", nil
	case "user":
		var name string
		err := q.QueryRowContext(ctx, "SELECT display_name FROM people WHERE organisation_id = ? AND external_subject = ? AND delete_time IS NULL",
			orgID, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return "someone outside the organisation", nil
		}
		if err != nil {
			return "", fmt.Errorf("actor %s: %w", actor, err)
		}
		return name, nil
	case "token":
		return "an API token", nil
	}
	return "Golden Thread", nil
}
