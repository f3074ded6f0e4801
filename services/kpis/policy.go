package kpis

import "github.com/goldenthread/goldenthread/services/kit/auth"

// policy says what each method asks of its caller: viewers read, planners
// define KPIs, contributors record measurements (of KPIs owned by teams
// they are members of: see mayRecord).
var policy = auth.Policy{
	"/goldenthread.kpis.v1.KpisService/GetKpi":            auth.Viewer,
	"/goldenthread.kpis.v1.KpisService/ListKpis":          auth.Viewer,
	"/goldenthread.kpis.v1.KpisService/ListPublishedKpis": auth.Public,
	"/goldenthread.kpis.v1.KpisService/CreateKpi":         auth.Planner,
	"/goldenthread.kpis.v1.KpisService/UpdateKpi":         auth.Planner,
	"/goldenthread.kpis.v1.KpisService/DeleteKpi":         auth.Planner,
	"/goldenthread.kpis.v1.KpisService/UndeleteKpi":       auth.Planner,

	"/goldenthread.kpis.v1.MeasurementsService/GetMeasurement":          auth.Viewer,
	"/goldenthread.kpis.v1.MeasurementsService/ListMeasurements":        auth.Viewer,
	"/goldenthread.kpis.v1.MeasurementsService/ExportMeasurements":      auth.Viewer,
	"/goldenthread.kpis.v1.MeasurementsService/CreateMeasurement":       auth.Contributor,
	"/goldenthread.kpis.v1.MeasurementsService/UpdateMeasurement":       auth.Contributor,
	"/goldenthread.kpis.v1.MeasurementsService/DeleteMeasurement":       auth.Contributor,
	"/goldenthread.kpis.v1.MeasurementsService/BatchCreateMeasurements": auth.Contributor,
	"/goldenthread.kpis.v1.MeasurementsService/ImportMeasurements":      auth.Contributor,
}
