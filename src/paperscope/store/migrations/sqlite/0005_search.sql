-- paperscope schema, version 5: search indexes.
--
-- Derived data only, rebuilt from papers and researchers by SearchStore.refresh()
-- (store/search.py), which indexes what changed since its last run. There are no
-- triggers: keeping an index current inside every ingest write would slow ingest, and
-- search may lag the store until the next refresh (the score stage and the web app's
-- start run one).
--
-- SQLite FTS5 is SQLite's own; the PostgreSQL backend will keep the same tables' roles
-- with a tsvector column + GIN index (papers) and pg_trgm (names) instead.

-- Title, abstract and author names of every paper; rowid = papers.id. Porter stemming
-- over unicode61 with diacritics folded: "networks" finds "network", "Hervé" "herve".
-- The table keeps its own copy of the text (SQLite 3.40 cannot delete a row from a
-- contentless table, and an external-content table needs the old text to delete one,
-- which is gone once the paper has changed).
CREATE VIRTUAL TABLE search_papers USING fts5(
    title, abstract, authors,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- What search_papers holds: each paper as of which run (papers.updated_run, which every
-- write of a paper sets). 0: indexed while that run was still writing; looked at again.
CREATE TABLE search_papers_indexed (
    paper_id    INTEGER PRIMARY KEY,
    updated_run INTEGER NOT NULL
);

-- Researchers' folded names (researchers.name_key); rowid = researchers.id. Rebuilt
-- whole when the researchers change (resolve rebuilds them whole too).
CREATE VIRTUAL TABLE search_researchers USING fts5(
    name,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The refresh's own bookkeeping: "generation" (counts refreshes that changed something;
-- processes drop their in-memory indexes when it moves), the fingerprints of the
-- researchers and embeddings last indexed, and the embedding model search uses.
CREATE TABLE search_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
