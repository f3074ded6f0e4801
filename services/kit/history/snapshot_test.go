package history

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
)

// A snapshot leaves out the resource's name, which its row holds, and
// reads back equal to the resource; one written with its name (before
// snapshots left it out) reads back the same.
func TestSnapshotLeavesOutTheName(t *testing.T) {
	const name = "organisations/o/teams/finance"
	team := &teamspb.Team{Name: name, DisplayName: "Finance", UpdateActor: "system:teams"}
	data, err := encodeSnapshot(team)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(name)) {
		t.Errorf("the snapshot holds the name: %q", data)
	}
	full, err := proto.MarshalOptions{Deterministic: true}.Marshal(team)
	if err != nil {
		t.Fatal(err)
	}
	if saved := len(full) - len(data); saved != len(name)+2 {
		t.Errorf("the snapshot is %d bytes shorter than the message, want %d", saved, len(name)+2)
	}
	for what, stored := range map[string][]byte{"without the name": data, "with the name": full} {
		got, err := decodeSnapshot("goldenthread.teams.v1.Team", name, stored)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, team) {
			t.Errorf("a snapshot %s reads back as %v, want %v", what, got, team)
		}
	}
}

// withoutField drops the field wherever it stands, and leaves what does
// not parse as it is.
func TestWithoutField(t *testing.T) {
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
		{"malformed", []byte{0x0a, 0x05, 'a'}, []byte{0x0a, 0x05, 'a'}},
	} {
		if got := withoutField(c.data, 1); !bytes.Equal(got, c.out) {
			t.Errorf("%s: %x, want %x", c.what, got, c.out)
		}
	}
}
