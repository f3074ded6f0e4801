package gateway

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/protobuf/types/known/structpb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
)

// historyOf is HistoryService over the backends, each asked once however
// many services it serves: in one process the four services are one
// server, which answers for all of them.
func historyOf(backends []backend) history.Remote {
	var clients []historypb.HistoryServiceClient
	seen := map[string]bool{}
	for _, b := range backends {
		if !seen[b.conn.Target()] {
			seen[b.conn.Target()] = true
			clients = append(clients, historypb.NewHistoryServiceClient(b.calls))
		}
	}
	return history.NewRemote(clients...)
}

// maxExportRevisions bounds one CSV export of a change log; narrow the
// selection (by time, actor or type) for more.
const maxExportRevisions = 100_000

// exportChanges answers GET /v1/organisations/{org}/changes:export: the
// revisions ListChanges selects with the same query parameters, newest
// first, as CSV: one line per field a change set, or one line for a change
// that set none (a deletion). The actor's name stands beside the actor
// where the organisation has a person of that subject.
func exportChanges(mux *runtime.ServeMux, m runtime.Marshaler, log history.Remote, people orgpb.PeopleServiceClient) runtime.HandlerFunc {
	const method = "/goldenthread.history.v1.HistoryService/ListChanges"
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		fail := func(ctx context.Context, err error) { runtime.HTTPError(ctx, mux, m, w, r, err) }
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, method)
		if err != nil {
			fail(r.Context(), err)
			return
		}
		req := &historypb.ListChangesRequest{Parent: params["parent"], PageSize: 1000}
		if err := runtime.PopulateQueryParameters(req, r.URL.Query(), utilities.NewDoubleArray(nil)); err != nil {
			fail(ctx, err)
			return
		}
		var revs []*historypb.Revision
		for len(revs) < maxExportRevisions {
			resp, err := log.ListChanges(ctx, req)
			if err != nil {
				fail(ctx, err)
				return
			}
			revs = append(revs, resp.GetRevisions()...)
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				break
			}
		}
		names, err := actorNames(ctx, people, req.GetParent(), revs)
		if err != nil {
			fail(ctx, err)
			return
		}
		w.Header().Set("Content-Type", csvMIME)
		w.Header().Set("Content-Disposition", `attachment; filename="changes.csv"`)
		out := csv.NewWriter(w)
		_ = out.Write([]string{"time", "actor", "actor_name", "action", "resource_type", "resource", "field", "old_value", "new_value"})
		for _, rev := range revs {
			line := []string{rev.GetCreateTime().AsTime().Format(time.RFC3339Nano), rev.GetActor(), names[rev.GetActor()],
				strings.ToLower(strings.TrimPrefix(rev.GetAction().String(), "ACTION_")), rev.GetResourceType(), rev.GetResource()}
			if len(rev.GetChanges()) == 0 {
				_ = out.Write(append(line, "", "", ""))
			}
			for _, c := range rev.GetChanges() {
				_ = out.Write(append(line, c.GetField(), jsonText(c.GetOldValue()), jsonText(c.GetNewValue())))
			}
		}
		out.Flush()
	}
}

// actorNames are the display names of the people of org who made revs,
// by actor (user:{subject}).
func actorNames(ctx context.Context, people orgpb.PeopleServiceClient, org string, revs []*historypb.Revision) (map[string]string, error) {
	names := map[string]string{}
	if len(revs) == 0 {
		return names, nil
	}
	all, err := lookup.All("organisations", org+"/people", func(token string) ([]*orgpb.Person, string, error) {
		ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
		defer cancel()
		resp, err := people.ListPeople(ctx, &orgpb.ListPeopleRequest{Parent: org, PageSize: 1000, PageToken: token, ShowDeleted: true})
		return resp.GetPeople(), resp.GetNextPageToken(), err
	})
	if err != nil {
		return nil, err
	}
	// A live person before a removed one who had the same subject.
	for _, p := range all {
		actor := "user:" + p.GetExternalSubject()
		if p.GetExternalSubject() != "" && (names[actor] == "" || p.GetDeleteTime() == nil) {
			names[actor] = p.GetDisplayName()
		}
	}
	return names, nil
}

// jsonText is a field's value as JSON, "" for none.
func jsonText(v *structpb.Value) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v.AsInterface())
	if err != nil {
		return ""
	}
	return string(b)
}
