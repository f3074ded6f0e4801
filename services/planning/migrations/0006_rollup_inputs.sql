-- +goose Up
-- Roll-ups read aggregates, not every input: a change to one element costs
-- the same under a parent of 10 children or of 10,000.
--
-- inputs_count and inputs_progress are the count and progress sum of the
-- live, not dropped elements whose parent or thematic goal this element
-- is (the mean progress), kept by every write in its transaction.
ALTER TABLE elements ADD COLUMN inputs_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE elements ADD COLUMN inputs_progress BIGINT NOT NULL DEFAULT 0;
UPDATE elements SET
    inputs_count = (SELECT COUNT(*) FROM elements c WHERE c.organisation_id = elements.organisation_id
        AND (c.parent_id = elements.id OR c.thematic_goal_id = elements.id) AND c.delete_time IS NULL AND c.status <> 5),
    inputs_progress = (SELECT COALESCE(SUM(c.progress), 0) FROM elements c WHERE c.organisation_id = elements.organisation_id
        AND (c.parent_id = elements.id OR c.thematic_goal_id = elements.id) AND c.delete_time IS NULL AND c.status <> 5);

-- The worst health below an element, and the inputs that have it, are
-- index probes: over the live, not dropped (status 5) elements by parent
-- and by thematic goal, and over supports by the supporter's health
-- (0 while the supporter is deleted or dropped).
CREATE INDEX elements_parent_health ON elements (organisation_id, parent_id, health, id)
    WHERE delete_time IS NULL AND status <> 5;
CREATE INDEX elements_goal_health ON elements (organisation_id, thematic_goal_id, health, id)
    WHERE delete_time IS NULL AND status <> 5;
ALTER TABLE element_supports ADD COLUMN health INTEGER NOT NULL DEFAULT 0;
UPDATE element_supports SET health = COALESCE((SELECT e.health FROM elements e
    WHERE e.organisation_id = element_supports.organisation_id AND e.id = element_supports.element_id
    AND e.delete_time IS NULL AND e.status <> 5), 0);
DROP INDEX element_supports_supported;
CREATE INDEX element_supports_supported ON element_supports (supported_organisation_id, supported_id, health, organisation_id, element_id);

-- When each element's health last changed (microseconds; NULL where it
-- changed before this was kept).
ALTER TABLE elements ADD COLUMN health_change_time BIGINT;
