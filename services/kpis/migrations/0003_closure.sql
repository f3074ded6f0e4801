-- +goose Up
-- Whether a KPI is retired and why it is closed (Kpi.closure), and what of
-- its element closes it: its status and end date, kept from the planning
-- service's events. A KPI made before this migration learns its element's
-- at the element's next change.
ALTER TABLE kpis ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpis ADD COLUMN closure INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpis ADD COLUMN element_status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpis ADD COLUMN element_end_date TEXT NOT NULL DEFAULT '';
