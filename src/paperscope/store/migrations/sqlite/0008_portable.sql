-- paperscope schema, version 8: forms both backends share.
--
-- A paper's date for sorting (its first public date, else the date it was listed, else
-- its year as "YYYY", which sorts before any day of that year) is a column of its own,
-- computed by the database, rather than an expression repeated in queries and indexed.
-- PostgreSQL stores it; SQLite computes it on read and keeps it in the index.
ALTER TABLE papers ADD COLUMN sort_date TEXT
    GENERATED ALWAYS AS (coalesce(first_date, latest_date, CAST(year AS TEXT))) VIRTUAL;
DROP INDEX papers_feed_date;
CREATE INDEX papers_sort_date ON papers(sort_date);

-- The order a paper's code links were learnt in (was SQLite's rowid, which PostgreSQL lacks).
ALTER TABLE code_links ADD COLUMN position INTEGER;
UPDATE code_links SET position = rowid;
