package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	_ "modernc.org/sqlite" // the "sqlite" driver, as sqldb uses it

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// recorder records measurements through the KPI service, each on a new
// day so that none conflicts with an earlier one.
type recorder struct {
	client kpipb.MeasurementsServiceClient
	token  string
	next   map[string]time.Time // per KPI: the next free day
}

func newRecorder(conn *grpc.ClientConn, token string) *recorder {
	return &recorder{client: kpipb.NewMeasurementsServiceClient(conn), token: token, next: map[string]time.Time{}}
}

func (r *recorder) day(kpi string) time.Time {
	d, ok := r.next[kpi]
	if !ok {
		d = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r.next[kpi] = d.AddDate(0, 0, 1)
	return d
}

// one records value on kpi.
func (r *recorder) one(ctx context.Context, kpi string, value float64) error {
	_, err := r.client.CreateMeasurement(auth.WithCredential(ctx, r.token), &kpipb.CreateMeasurementRequest{Parent: kpi,
		Measurement: &kpipb.Measurement{PeriodEnd: dayOf(r.day(kpi)), Value: proto.Float64(value)}})
	return err
}

// batch records n measurements alternating between the KPIs in one call.
func (r *recorder) batch(ctx context.Context, n int, kpis ...string) error {
	reqs := make([]*kpipb.CreateMeasurementRequest, n)
	for i := range reqs {
		kpi := kpis[i%len(kpis)]
		reqs[i] = &kpipb.CreateMeasurementRequest{Parent: kpi, Measurement: &kpipb.Measurement{PeriodEnd: dayOf(r.day(kpi)), Value: proto.Float64(float64(i % 100))}}
	}
	resp, err := r.client.BatchCreateMeasurements(auth.WithCredential(ctx, r.token),
		&kpipb.BatchCreateMeasurementsRequest{Parent: benchOrg, Requests: reqs})
	if err == nil && len(resp.Measurements) != n {
		err = fmt.Errorf("batch stored %d of %d", len(resp.Measurements), n)
	}
	return err
}

// bareSQLite is the baseline of the recording rows: a SQLite file opened
// with the writer settings of sqldb.Open, and a prepared INSERT of the row
// the KPI service writes, with the same kind of random id.
type bareSQLite struct {
	db     *sql.DB
	insert *sql.Stmt
	n      int
}

// openBare makes the bare database in dir with the KPI service's own
// migrations (read from the repository), so that the bare insert writes the
// same row into the same table and indexes.
func openBare(ctx context.Context, dir, repo string) (*bareSQLite, error) {
	path := filepath.Join(dir, "bare.db")
	schema, err := sqldb.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	err = schema.Migrate(ctx, "idempotency", idempotency.Migrations)
	if err == nil {
		err = schema.Migrate(ctx, "kpis", os.DirFS(filepath.Join(repo, "services", "kpis", "migrations")))
	}
	schema.Close()
	if err != nil {
		return nil, fmt.Errorf("bare table: %w", err)
	}
	db, err := sql.Open("sqlite", sqldb.SQLiteWriterDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	insert, err := db.PrepareContext(ctx, `INSERT INTO measurements (organisation_id, kpi_id, id, period_end, value, note, source, history,
		create_time, update_time, revision, update_actor) VALUES (?, ?, ?, ?, ?, '', '', '[]', ?, ?, 1, ?)`)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &bareSQLite{db: db, insert: insert}, nil
}

// settings reports the journal mode and synchronous level in force.
func (b *bareSQLite) settings(ctx context.Context) string {
	var mode string
	var sync, temp int
	_ = b.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	_ = b.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
	_ = b.db.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&temp)
	return fmt.Sprintf("journal_mode=%s, synchronous=%d (2 = FULL), temp_store=%d (2 = MEMORY)", mode, sync, temp)
}

// inserts writes n rows in one transaction.
func (b *bareSQLite) inserts(ctx context.Context, n int) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	stmt := tx.StmtContext(ctx, b.insert)
	now := time.Now().UnixMicro()
	for range n {
		b.n++
		d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, b.n)
		if _, err := stmt.ExecContext(ctx, "bench", "single", resourcename.NewID(), d.Format(time.DateOnly), float64(b.n%100),
			now, now, "token:organisations/bench/apiTokens/x"); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func (b *bareSQLite) Close() error { return b.db.Close() }
