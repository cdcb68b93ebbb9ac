-- The lookup tables' keys lead with the tension or tag (that is how lists filter); keeping
-- them in sync (the triggers' DELETE … WHERE reflection_seq = …, the cascade when a reflection
-- or its author goes) looks rows up by reflection, which without these indexes read the whole
-- table on every write: on PostgreSQL each new reflection scanned both tables.
CREATE INDEX reflection_tensions_by_reflection ON reflection_tensions (reflection_seq);
CREATE INDEX reflection_tags_by_reflection ON reflection_tags (reflection_seq);
