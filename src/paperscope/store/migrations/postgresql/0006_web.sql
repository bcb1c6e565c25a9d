-- paperscope schema, version 6 (PostgreSQL twin of ../0006_web.sql): what the web app's
-- feeds read in order.
--
-- The feed lists papers newest first or by score within a date window. Without these
-- indexes each page would scan every paper. The feed's date index is not here: it is
-- the index on papers.sort_date, a stored generated column that 0008 adds.

CREATE INDEX paper_scores_kind_value ON paper_scores(kind, value);
