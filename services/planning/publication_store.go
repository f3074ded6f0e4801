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
	var teams string
	var updated int64
	err := q.QueryRowContext(ctx, "SELECT published, display_name, teams, licence, update_time, revision, update_actor FROM publications WHERE organisation_id = ?",
		orgID).Scan(&published, &r.p.DisplayName, &teams, &r.p.Licence, &updated, &r.revision, &r.p.UpdateActor)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.p.Etag = resource.Etag(0)
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("read publication: %w", err)
	}
	var ids []string
	if err := json.Unmarshal([]byte(teams), &ids); err != nil {
		return nil, fmt.Errorf("read publication: teams: %w", err)
	}
	for _, id := range ids {
		r.p.Teams = append(r.p.Teams, teamName(orgID, id))
	}
	r.p.Published, r.p.UpdateTime, r.p.Etag = published == 1, resource.Time(updated), resource.Etag(r.revision)
	return r, nil
}

// savePublication writes r, the publication's next revision.
func savePublication(ctx context.Context, tx *sqldb.Tx, r *publicationRecord) error {
	ids := []string{}
	for _, t := range r.p.Teams {
		ids = append(ids, path.Base(t))
	}
	teams, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO publications (organisation_id, published, display_name, teams, licence, update_time, revision, update_actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organisation_id) DO UPDATE SET published = excluded.published,
		display_name = excluded.display_name, teams = excluded.teams, licence = excluded.licence, update_time = excluded.update_time,
		revision = excluded.revision, update_actor = excluded.update_actor`,
		r.orgID, sqldb.Bool(r.p.Published), r.p.DisplayName, string(teams), r.p.Licence, resource.Micros(r.p.UpdateTime), r.revision, r.p.UpdateActor)
	if err != nil {
		return fmt.Errorf("save publication: %w", err)
	}
	return nil
}
