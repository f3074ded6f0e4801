package history

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
)

// A snapshot leaves out the resource's name, which its row holds, and its
// update_actor where the revision's actor column holds the same, and
// reads back equal to the resource; one written with both (before
// snapshots left them out) reads back the same.
func TestSnapshotLeavesOutWhatTheRowHolds(t *testing.T) {
	const name, actor = "organisations/o/teams/finance", "user:organisations/o/people/ada"
	team := &teamspb.Team{Name: name, DisplayName: "Finance", UpdateActor: actor}
	full, err := proto.MarshalOptions{Deterministic: true}.Marshal(team)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, actor  string
		actorLeftOut bool
		saved        int
	}{
		{"by the resource's update_actor", actor, true, len(name) + 2 + len(actor) + 2},
		{"computed by the service", "system:teams", false, len(name) + 2},
	} {
		s, err := encodeSnapshot(team, c.actor)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(s.data, []byte(name)) {
			t.Errorf("%s: the snapshot holds the name: %q", c.what, s.data)
		}
		if s.actorLeftOut != c.actorLeftOut || bytes.Contains(s.data, []byte(actor)) == c.actorLeftOut {
			t.Errorf("%s: actor left out %v, snapshot %q; want it left out: %v", c.what, s.actorLeftOut, s.data, c.actorLeftOut)
		}
		if saved := len(full) - len(s.data); saved != c.saved {
			t.Errorf("%s: the snapshot is %d bytes shorter than the message, want %d", c.what, saved, c.saved)
		}
		old := snapshot{messageType: s.messageType, name: name, actor: c.actor, data: full}
		for what, stored := range map[string]snapshot{"as written": s, "written whole, as before": old} {
			got, err := stored.decode()
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, team) {
				t.Errorf("%s: a snapshot %s reads back as %v, want %v", c.what, what, got, team)
			}
		}
	}
	// An empty update_actor stays as it is, whoever the actor.
	quiet := &teamspb.Team{Name: name, DisplayName: "Finance"}
	s, err := encodeSnapshot(quiet, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.decode(); err != nil || s.actorLeftOut || !proto.Equal(got, quiet) {
		t.Errorf("no actor: left out %v, reads back as %v (%v), want %v", s.actorLeftOut, got, err, quiet)
	}
}

// withoutFields drops the fields wherever they stand, and leaves what
// does not parse as it is.
func TestWithoutFields(t *testing.T) {
	field := func(num protowire.Number, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, c := range []struct {
		what      string
		data, out []byte
	}{
		{"first", join(field(1, "n"), field(2, "a"), field(3, "b")), join(field(2, "a"), field(3, "b"))},
		{"between", join(field(2, "a"), field(1, "n"), field(3, "b")), join(field(2, "a"), field(3, "b"))},
		{"last", join(field(2, "a"), field(1, "n")), field(2, "a")},
		{"absent", join(field(2, "a"), field(3, "b")), join(field(2, "a"), field(3, "b"))},
		{"two", join(field(1, "n"), field(2, "a"), field(4, "u")), field(2, "a")},
		{"malformed", []byte{0x0a, 0x05, 'a'}, []byte{0x0a, 0x05, 'a'}},
	} {
		if got := withoutFields(c.data, 1, 4); !bytes.Equal(got, c.out) {
			t.Errorf("%s: %x, want %x", c.what, got, c.out)
		}
	}
}
