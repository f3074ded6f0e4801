-- +goose Up
-- The KPIs a publication chooses (Publication.kpis), a JSON array of KPI
-- ids; empty: every KPI of a published element.
ALTER TABLE publications ADD COLUMN kpis TEXT NOT NULL DEFAULT '[]';
