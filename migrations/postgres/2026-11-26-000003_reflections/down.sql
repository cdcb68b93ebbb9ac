DROP TABLE comments;
DROP TRIGGER reflections_sync ON reflections;
DROP FUNCTION reflections_sync();
DROP TABLE reflection_search;
DROP TABLE reflection_tags;
DROP TABLE reflection_tensions;
DROP TABLE reflections;
