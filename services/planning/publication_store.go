package planning

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// publicationRecord is an organisation's publication as stored.
type publicationRecord struct {
	resource.Stored[*pb.Publication]
	orgID string
}

// publicationType is the publication as the resource engine finds and
// stores it: a singleton (organisations/{organisation}/publication) that
// every organisation has, unpublished at revision 0 until an admin first
// changes it, when its row is made.
var publicationType = resource.Type[*publicationRecord]{
	Get: func(ctx context.Context, q sqldb.Querier, ids ...string) (*publicationRecord, error) {
		return getPublication(ctx, q, ids[0])
	},
	Save: savePublication,
}

// getPublication reads orgID's publication.
func getPublication(ctx context.Context, q sqldb.Querier, orgID string) (*publicationRecord, error) {
	p := &pb.Publication{Name: resource.NameOf[*pb.Publication](orgID)}
	r := &publicationRecord{Stored: resource.Hold(p), orgID: orgID}
	var published int
	var teams, kpis string
	var updated int64
	err := q.QueryRowContext(ctx, "SELECT published, display_name, teams, kpis, licence, update_time, revision, update_actor FROM publications WHERE organisation_id = ?",
		orgID).Scan(&published, &p.DisplayName, &teams, &kpis, &p.Licence, &updated, &r.Rev, &p.UpdateActor)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p.Etag = resource.Etag(0)
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("read publication: %w", err)
	}
	if p.Teams, err = namesOf(teams, func(id string) string { return teamName(orgID, id) }); err != nil {
		return nil, fmt.Errorf("read publication: teams: %w", err)
	}
	if p.Kpis, err = namesOf(kpis, func(id string) string { return "organisations/" + orgID + "/kpis/" + id }); err != nil {
		return nil, fmt.Errorf("read publication: kpis: %w", err)
	}
	p.Published, p.UpdateTime, p.Etag = published == 1, resource.Time(updated), resource.Etag(r.Rev)
	return r, nil
}

// namesOf reads a stored JSON array of ids as the names name makes.
func namesOf(ids string, name func(id string) string) ([]string, error) {
	var list []string
	if err := json.Unmarshal([]byte(ids), &list); err != nil {
		return nil, err
	}
	var out []string
	for _, id := range list {
		out = append(out, name(id))
	}
	return out, nil
}

// idsOf is names' storage form: a JSON array of their ids.
func idsOf(names []string) string {
	ids := []string{}
	for _, n := range names {
		ids = append(ids, path.Base(n))
	}
	out, _ := json.Marshal(ids) // strings always marshal
	return string(out)
}

// savePublication writes r, the publication's next revision, over the
// one before it (none at revision 1), reporting false when the row has
// moved on meanwhile.
func savePublication(ctx context.Context, tx *sqldb.Tx, r *publicationRecord) (bool, error) {
	p := r.Msg
	res, err := tx.ExecContext(ctx, `INSERT INTO publications (organisation_id, published, display_name, teams, kpis, licence, update_time, revision, update_actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organisation_id) DO UPDATE SET published = excluded.published,
		display_name = excluded.display_name, teams = excluded.teams, kpis = excluded.kpis, licence = excluded.licence,
		update_time = excluded.update_time, revision = excluded.revision, update_actor = excluded.update_actor
		WHERE publications.revision = excluded.revision - 1`,
		r.orgID, sqldb.Bool(p.Published), p.DisplayName, idsOf(p.Teams), idsOf(p.Kpis), p.Licence, resource.Micros(p.UpdateTime),
		r.Rev, p.UpdateActor)
	if err != nil {
		return false, fmt.Errorf("save publication: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("save publication: %w", err)
	}
	return n == 1, nil
}
