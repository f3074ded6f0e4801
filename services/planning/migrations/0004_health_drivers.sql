-- +goose Up
-- The elements below whose health is an element's (Element.health_drivers),
-- kept with its roll-up as JSON: [{"e": name, "l": link kind, "h": health}].
ALTER TABLE elements ADD COLUMN health_drivers TEXT NOT NULL DEFAULT '';
