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
	p        *pb.Publication
	orgID    string
	revision int64
}

// publicationName is the name of orgID's publication.
func publicationName(orgID string) string { return "organisations/" + orgID + "/publication" }

// getPublication reads orgID's publication: unpublished, at revision 0,
// while no admin has changed it.
func getPublication(ctx context.Context, q sqldb.Querier, orgID string) (*publicationRecord, error) {
	r := &publicationRecord{p: &pb.Publication{Name: publicationName(orgID)}, orgID: orgID}
	var published int
	var teams, kpis string
	var updated int64
	err := q.QueryRowContext(ctx, "SELECT published, display_name, teams, kpis, licence, update_time, revision, update_actor FROM publications WHERE organisation_id = ?",
		orgID).Scan(&published, &r.p.DisplayName, &teams, &kpis, &r.p.Licence, &updated, &r.revision, &r.p.UpdateActor)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.p.Etag = resource.Etag(0)
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("read publication: %w", err)
	}
	if r.p.Teams, err = namesOf(teams, func(id string) string { return teamName(orgID, id) }); err != nil {
		return nil, fmt.Errorf("read publication: teams: %w", err)
	}
	if r.p.Kpis, err = namesOf(kpis, func(id string) string { return "organisations/" + orgID + "/kpis/" + id }); err != nil {
		return nil, fmt.Errorf("read publication: kpis: %w", err)
	}
	r.p.Published, r.p.UpdateTime, r.p.Etag = published == 1, resource.Time(updated), resource.Etag(r.revision)
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

// savePublication writes r, the publication's next revision.
func savePublication(ctx context.Context, tx *sqldb.Tx, r *publicationRecord) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO publications (organisation_id, published, display_name, teams, kpis, licence, update_time, revision, update_actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organisation_id) DO UPDATE SET published = excluded.published,
		display_name = excluded.display_name, teams = excluded.teams, kpis = excluded.kpis, licence = excluded.licence,
		update_time = excluded.update_time, revision = excluded.revision, update_actor = excluded.update_actor`,
		r.orgID, sqldb.Bool(r.p.Published), r.p.DisplayName, idsOf(r.p.Teams), idsOf(r.p.Kpis), r.p.Licence, resource.Micros(r.p.UpdateTime),
		r.revision, r.p.UpdateActor)
	if err != nil {
		return fmt.Errorf("save publication: %w", err)
	}
	return nil
}
