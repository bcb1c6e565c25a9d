-- paperscope schema, version 5 (PostgreSQL twin of ../0005_search.sql): search indexes.
--
-- Derived data only, rebuilt from papers and researchers by the search refresh
-- (store/search.py), which indexes what changed since its last run. There are no
-- triggers: keeping an index current inside every ingest write would slow ingest, and
-- search may lag the store until the next refresh.
--
-- SQLite's FTS5 tables become ordinary tables here: a tsvector column with a GIN index
-- (papers) and pg_trgm trigrams (researchers' names). The tables keep the roles and
-- names of the SQLite ones.

-- Title, abstract and author names of every paper as one tsvector, paper_id = papers.id.
-- The refresh computes the document (its text search configuration and any unaccent
-- folding are the refresh's choice, not the schema's).
CREATE TABLE search_papers (
    paper_id BIGINT PRIMARY KEY,
    document tsvector NOT NULL
);
CREATE INDEX search_papers_document ON search_papers USING gin (document);

-- What search_papers holds: each paper as of which run (papers.updated_run, which every
-- write of a paper sets). 0: indexed while that run was still writing: looked at again.
CREATE TABLE search_papers_indexed (
    paper_id    BIGINT PRIMARY KEY,
    updated_run BIGINT NOT NULL
);

-- Researchers' folded names (researchers.name_key), researcher_id = researchers.id,
-- matched by trigrams. Rebuilt whole when the researchers change (resolve rebuilds
-- them whole too).
CREATE TABLE search_researchers (
    researcher_id BIGINT PRIMARY KEY,
    name          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX search_researchers_name ON search_researchers USING gin (name gin_trgm_ops);

-- The refresh's own bookkeeping: "generation" (counts refreshes that changed something:
-- processes drop their in-memory indexes when it moves), the fingerprints of the
-- researchers and embeddings last indexed, and the embedding model search uses.
CREATE TABLE search_state (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
