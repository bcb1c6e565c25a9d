-- paperscope schema, version 8 (PostgreSQL twin of ../0008_portable.sql): columns both
-- backends can order by with the same SQL.
--
-- papers.sort_date: the date the feed sorts and windows papers by (first date, else
-- latest date, else the year), a stored generated column with its own index.
-- code_links.position: the order a paper's code links were learnt in (NULL before).

ALTER TABLE papers ADD COLUMN sort_date TEXT COLLATE "C"
    GENERATED ALWAYS AS (coalesce(first_date, latest_date, CAST(year AS TEXT))) STORED;
CREATE INDEX papers_sort_date ON papers(sort_date);

ALTER TABLE code_links ADD COLUMN position INTEGER;
