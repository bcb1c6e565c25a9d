-- paperscope schema, version 6: what the web app's feeds read in order.
--
-- The feed lists papers newest first or by score within a date window; without these
-- indexes each page would scan every paper.

CREATE INDEX papers_feed_date ON papers(coalesce(first_date, latest_date, printf('%04d', year)));
CREATE INDEX paper_scores_kind_value ON paper_scores(kind, value);
