package kpis

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// maxPerEvent bounds the measurements one MeasurementsRecorded carries, to
// stay well inside NATS's default 1 MB message.
const maxPerEvent = 1000

// emitter writes the service's events (proto/goldenthread/kpis/v1/
// events.proto) to the outbox, in the change's transaction: add is
// host.Base.Emit.
type emitter struct {
	add func(ctx context.Context, tx *sqldb.Tx, name, entity, change string, payload proto.Message) error
}

// statusChanged tells the planning service what it needs of a KPI: its
// status now, and the element it measures (and measured before, when that
// changed).
func (e emitter) statusChanged(ctx context.Context, tx *sqldb.Tx, k *pb.Kpi, old pb.KpiStatus, previousElement string) error {
	return e.add(ctx, tx, k.Name, "kpi", "status_changed", &pb.KpiStatusChanged{Kpi: k.Name, Element: k.Element,
		PreviousElement: previousElement, OldStatus: old, NewStatus: k.Status, ChangeTime: timestamppb.Now(), UpdateActor: k.UpdateActor})
}

// recorded publishes new measurements of one KPI, maxPerEvent at a time.
func (e emitter) recorded(ctx context.Context, tx *sqldb.Tx, kpi string, ms []*pb.Measurement) error {
	for start := 0; start < len(ms); start += maxPerEvent {
		chunk := ms[start:min(start+maxPerEvent, len(ms))]
		if err := e.add(ctx, tx, kpi, "measurement", "recorded", &pb.MeasurementsRecorded{Kpi: kpi, Measurements: chunk}); err != nil {
			return err
		}
	}
	return nil
}

func (e emitter) corrected(ctx context.Context, tx *sqldb.Tx, m *pb.Measurement) error {
	return e.add(ctx, tx, m.Name, "measurement", "corrected", &pb.MeasurementCorrected{Measurement: m})
}

func (e emitter) measurementDeleted(ctx context.Context, tx *sqldb.Tx, m *pb.Measurement) error {
	return e.add(ctx, tx, m.Name, "measurement", "deleted", &pb.MeasurementDeleted{Measurement: m})
}

// measurementEvents are a measurement's change events as the resource
// engine writes them: an update is a correction.
type measurementEvents struct{ emitter }

// Created implements resource.Events: a MeasurementsRecorded of one. The
// batch path (record) writes those of its creates itself, by KPI.
func (e measurementEvents) Created(ctx context.Context, tx *sqldb.Tx, m *pb.Measurement) error {
	kpi, _, _ := strings.Cut(m.Name, "/measurements/")
	return e.recorded(ctx, tx, kpi, []*pb.Measurement{m})
}

// Updated implements resource.Events.
func (e measurementEvents) Updated(ctx context.Context, tx *sqldb.Tx, m *pb.Measurement, _ []string) error {
	return e.corrected(ctx, tx, m)
}

// Deleted implements resource.Events.
func (e measurementEvents) Deleted(ctx context.Context, tx *sqldb.Tx, m *pb.Measurement, _ string) error {
	return e.measurementDeleted(ctx, tx, m)
}

// Undeleted implements resource.Events. The API has no UndeleteMeasurement
// and no event for one, so no change may claim to be one.
func (e measurementEvents) Undeleted(_ context.Context, _ *sqldb.Tx, m *pb.Measurement, _ string) error {
	return fmt.Errorf("undelete %s: measurements cannot be undeleted", m.Name)
}
