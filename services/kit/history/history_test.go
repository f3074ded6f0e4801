package history

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// open is a fresh database with the revisions table.
func open(t *testing.T, dsn string) *sqldb.DB {
	t.Helper()
	db := sqldbtest.Open(t, dsn)
	if err := db.Migrate(context.Background(), "history", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// record writes the revision of team by actor, which set its display
// name.
func record(t *testing.T, db *sqldb.DB, team *teamspb.Team, action historypb.Action, actor string) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
		return Record(context.Background(), tx, team, action, actor, "display_name")
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRevisions: a resource's revisions page newest first, each with the
// fields it changed from what to what (the stamped ones left out); the
// change log filters by actor, type and time, and merging two services'
// logs pages in one order; pruning keeps each resource's latest; a bad
// token is INVALID_ARGUMENT naming page_token. Each snapshot reads back
// with its own update_actor, whether its row's actor column holds it or
// not.
func TestRevisions(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, b := open(t, dsn), open(t, sqldbtest.SQLiteDSN(t))
		const team = "organisations/o/teams/t"
		// The third's update_actor is not its revision's actor, the fourth's
		// is empty.
		updateActors := []string{"user:0", "user:1", "user:2", "", "user:0"}
		for i := range 5 {
			// The purpose changes too, as the service would compute a field:
			// not the actor's doing, so not listed.
			tm := &teamspb.Team{Name: team, DisplayName: fmt.Sprintf("take %d", i), Purpose: fmt.Sprint(i), Etag: fmt.Sprint(i), UpdateTime: timestamppb.Now(),
				UpdateActor: updateActors[i]}
			action := historypb.Action_ACTION_UPDATED
			if i == 0 {
				action = historypb.Action_ACTION_CREATED
			}
			record(t, a, tm, action, fmt.Sprintf("user:%d", i%2))
			record(t, b, &teamspb.Team{Name: fmt.Sprintf("organisations/o/teams/b%d", i), DisplayName: "b"}, historypb.Action_ACTION_CREATED, "user:b")
		}
		record(t, a, &teamspb.Team{Name: "organisations/other/teams/t", DisplayName: "theirs"}, historypb.Action_ACTION_CREATED, "user:0")

		var got []string
		for token := ""; ; {
			resp, err := Part{a}.ListRevisions(ctx, &historypb.ListRevisionsRequest{Name: team, PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range resp.Revisions {
				var c []string
				for _, ch := range r.Changes {
					c = append(c, fmt.Sprintf("%s %v->%v", ch.Field, ch.OldValue.AsInterface(), ch.NewValue.AsInterface()))
				}
				got = append(got, fmt.Sprintf("%s %s %v", r.Actor, r.Action, c))
				i, _ := strconv.Atoi(r.ResourceSnapshot.Fields["etag"].GetStringValue())
				if u := r.ResourceSnapshot.Fields["update_actor"].GetStringValue(); u != updateActors[i] {
					t.Errorf("revision %s: the snapshot's update_actor is %q, want %q", r.Name, u, updateActors[i])
				}
			}
			if token = resp.NextPageToken; token == "" {
				break
			}
		}
		want := "[user:0 ACTION_UPDATED [display_name take 3->take 4] user:1 ACTION_UPDATED [display_name take 2->take 3] " +
			"user:0 ACTION_UPDATED [display_name take 1->take 2] user:1 ACTION_UPDATED [display_name take 0->take 1] " +
			"user:0 ACTION_CREATED [display_name <nil>->take 0 purpose <nil>->0]]"
		if fmt.Sprint(got) != want {
			t.Errorf("revisions:\n got %v\nwant %s", got, want)
		}

		log := func(src Source, req *historypb.ListChangesRequest) []string {
			t.Helper()
			req.Parent = "organisations/o"
			var out []string
			for {
				resp, err := src.ListChanges(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range resp.Revisions {
					out = append(out, r.Name)
				}
				if req.PageToken = resp.NextPageToken; req.PageToken == "" {
					return out
				}
			}
		}
		if n := len(log(Part{a}, &historypb.ListChangesRequest{Actor: "user:1"})); n != 2 {
			t.Errorf("%d changes by user:1, want 2", n)
		}
		if n := len(log(Part{a}, &historypb.ListChangesRequest{ResourceType: "members"})); n != 0 {
			t.Errorf("%d changes of members, want none", n)
		}
		if n := len(log(Part{a}, &historypb.ListChangesRequest{EndTime: timestamppb.New(time.Now().Add(-time.Hour))})); n != 0 {
			t.Errorf("%d changes an hour ago, want none", n)
		}
		merged := log(Sources{Part{a}, Part{b}}, &historypb.ListChangesRequest{PageSize: 3})
		whole := log(Sources{Part{a}, Part{b}}, &historypb.ListChangesRequest{PageSize: 1000})
		if len(whole) != 10 || fmt.Sprint(merged) != fmt.Sprint(whole) {
			t.Errorf("merged in pages of 3:\n%v\nat once:\n%v\nwant 10 (not the other organisation's)", merged, whole)
		}

		_, err := Part{a}.ListChanges(ctx, &historypb.ListChangesRequest{Parent: "organisations/o", PageToken: "garbage"})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("a bad token: %v, want INVALID_ARGUMENT", err)
		}
		pruned, err := Prune(ctx, a, time.Now().Add(time.Minute))
		if err != nil || pruned != 4 {
			t.Errorf("pruned %d (%v), want 4: all but the latest of %s", pruned, err, team)
		}
		if n, err := Count(ctx, a); err != nil || n != 2 {
			t.Errorf("%d revisions kept (%v), want 2", n, err)
		}
	})
}

// TestRecordAll: a batch's revisions, written many to a statement, are
// each resource's own, as Record would write them one by one.
func TestRecordAll(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		var made []Resource
		for i := range 250 { // three statements' worth
			made = append(made, &teamspb.Team{Name: fmt.Sprintf("organisations/o/teams/t%d", i), DisplayName: fmt.Sprint(i)})
		}
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			return RecordAll(ctx, tx, made, historypb.Action_ACTION_CREATED, "user:batch")
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 99, 100, 249} {
			name := fmt.Sprintf("organisations/o/teams/t%d", i)
			resp, err := Part{db}.ListRevisions(ctx, &historypb.ListRevisionsRequest{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Revisions) != 1 || resp.Revisions[0].Actor != "user:batch" || resp.Revisions[0].Action != historypb.Action_ACTION_CREATED {
				t.Fatalf("%s: revisions %v", name, resp.Revisions)
			}
			stood, err := AsOf(ctx, db, "o", "teams", time.Now().Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if got := stood[name].(*teamspb.Team).GetDisplayName(); got != fmt.Sprint(i) {
				t.Errorf("%s as it stood: %q", name, got)
			}
		}
	})
}
