-- paperscope schema, version 2: what citation providers (OpenAlex, Semantic Scholar)
-- say about stored papers. Providers' ids of works go into paper_ids with the provider's
-- name as scheme ("openalex" W…, "semantic-scholar" paperId).

-- Semantic Scholar's "influential citations" beside the plain count of the same observation.
ALTER TABLE citation_counts ADD COLUMN influential INTEGER;

-- Citations received per year, as a provider counts them (OpenAlex counts_by_year).
CREATE TABLE citation_counts_by_year (
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source   TEXT NOT NULL,
    year     INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    as_of    TEXT NOT NULL,
    PRIMARY KEY (paper_id, source, year)
);

-- Authorships as a provider identifies them: its author id, ORCID, institutions.
CREATE TABLE provider_authorships (
    paper_id         INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source           TEXT NOT NULL,
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    author_id        TEXT,          -- the provider's id: OpenAlex "A5023888391", S2 "1741101"
    orcid            TEXT,
    institutions     TEXT NOT NULL DEFAULT '[]',   -- JSON [{name, source_id, ror, country}]
    raw_affiliations TEXT NOT NULL DEFAULT '[]',   -- JSON list of strings
    PRIMARY KEY (paper_id, source, position)
);
CREATE INDEX provider_authorships_author ON provider_authorships(source, author_id);
CREATE INDEX provider_authorships_orcid ON provider_authorships(orcid);

-- The works a stored paper cites, by the provider's ids; those that are stored papers
-- too make the citation graph (the view below).
CREATE TABLE provider_references (
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source    TEXT NOT NULL,
    cited     TEXT NOT NULL,       -- the provider's id of the cited work
    PRIMARY KEY (paper_id, source, cited)
);
CREATE INDEX provider_references_cited ON provider_references(source, cited);

CREATE VIEW citation_edges AS
    SELECT r.paper_id AS citing_id, i.paper_id AS cited_id, r.source AS source
    FROM provider_references r
    JOIN paper_ids i ON i.scheme = r.source AND i.value = r.cited;

CREATE TABLE paper_topics (
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source   TEXT NOT NULL,
    topic    TEXT NOT NULL,
    rank     INTEGER NOT NULL,
    PRIMARY KEY (paper_id, source, topic)
);

-- A provider's own figures about a researcher (OpenAlex summary_stats, S2 hIndex):
-- shown beside what paperscope computes, never blended with it.
CREATE TABLE author_profiles (
    source         TEXT NOT NULL,
    author_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    orcid          TEXT,
    h_index        INTEGER,
    i10_index      INTEGER,
    works_count    INTEGER,
    citation_count INTEGER,
    affiliations   TEXT NOT NULL DEFAULT '[]',   -- JSON [{name, source_id, ror, country}]
    as_of          TEXT NOT NULL,
    run_id         INTEGER NOT NULL REFERENCES ingest_runs(id),
    PRIMARY KEY (source, author_id)
);
CREATE TABLE author_profile_works (
    source    TEXT NOT NULL,
    author_id TEXT NOT NULL,
    work_id   TEXT NOT NULL,
    PRIMARY KEY (source, author_id, work_id),
    FOREIGN KEY (source, author_id) REFERENCES author_profiles(source, author_id) ON DELETE CASCADE
);
