-- +goose Up
-- The checks a change runs against the elements below or beside it read
-- only what they need, through an index, so that a change costs the same
-- under a parent of 10 children or of 10,000 (issue 22).
--
-- inputs_start and inputs_end bound the horizons of every element whose
-- parent or thematic goal this element is, or ever was (deleted ones
-- too): no such element starts before inputs_start or ends after
-- inputs_end ('' for none). Every write of an element widens its parent's
-- and thematic goal's bound in its transaction; nothing narrows it, so it
-- may be wider than the elements there are now. A change of horizon that
-- stays around the bound leaves no child or defining objective outside,
-- and reads none of them; only one that cuts into it looks for them.
ALTER TABLE elements ADD COLUMN inputs_start TEXT NOT NULL DEFAULT '';
ALTER TABLE elements ADD COLUMN inputs_end TEXT NOT NULL DEFAULT '';
UPDATE elements SET
    inputs_start = COALESCE((SELECT MIN(c.start_date) FROM elements c WHERE c.organisation_id = elements.organisation_id
        AND (c.parent_id = elements.id OR c.thematic_goal_id = elements.id)), ''),
    inputs_end = COALESCE((SELECT MAX(c.end_date) FROM elements c WHERE c.organisation_id = elements.organisation_id
        AND (c.parent_id = elements.id OR c.thematic_goal_id = elements.id)), '');

-- Children by id: the first live child outside a new horizon is found in
-- id order among the parent's own children, not among the organisation's
-- elements (which the primary key's order made the cheaper plan).
DROP INDEX elements_parent;
CREATE INDEX elements_parent ON elements (organisation_id, parent_id, id);

-- Only defining objectives name a thematic goal: the indexes by thematic
-- goal hold only them, so that writing any other element writes neither,
-- and they are in id order, as the checks read them. A query uses them
-- when it says thematic_goal_id <> '' literally.
DROP INDEX elements_thematic_goal;
CREATE INDEX elements_thematic_goal ON elements (organisation_id, thematic_goal_id, id) WHERE thematic_goal_id <> '';
DROP INDEX elements_goal_health;
CREATE INDEX elements_goal_health ON elements (organisation_id, thematic_goal_id, health, id)
    WHERE delete_time IS NULL AND status <> 5 AND thematic_goal_id <> '';

-- A team has one thematic goal at a time: the check reads the team's live
-- thematic goals (objective_kind 1), not every element the team owns.
CREATE INDEX elements_team_goals ON elements (organisation_id, owner_team_id, id)
    WHERE objective_kind = 1 AND delete_time IS NULL;

-- Undeleting an element restores what its forced deletion took with it:
-- read through an index of those elements only (deleted_with is '' on the
-- others), not among every element of the organisation.
CREATE INDEX elements_taken_with ON elements (organisation_id, deleted_with) WHERE deleted_with <> '';
