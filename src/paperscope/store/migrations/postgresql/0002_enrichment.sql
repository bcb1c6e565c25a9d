-- paperscope schema, version 2 (PostgreSQL twin of ../0002_enrichment.sql): what citation
-- providers (OpenAlex, Semantic Scholar) say about stored papers. Providers' ids of works
-- go into paper_ids with the provider's name as scheme ("openalex" W…, "semantic-scholar" paperId).

-- Semantic Scholar's "influential citations" beside the plain count of the same observation.
ALTER TABLE citation_counts ADD COLUMN influential BIGINT;

-- Citations received per year, as a provider counts them (OpenAlex counts_by_year).
CREATE TABLE citation_counts_by_year (
    paper_id BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source   TEXT COLLATE "C" NOT NULL,
    year     INTEGER NOT NULL,
    count    BIGINT NOT NULL,
    as_of    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (paper_id, source, year)
);

-- Authorships as a provider identifies them: its author id, ORCID, institutions.
CREATE TABLE provider_authorships (
    paper_id         BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source           TEXT COLLATE "C" NOT NULL,
    position         INTEGER NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    author_id        TEXT COLLATE "C",          -- the provider's id: OpenAlex "A5023888391", S2 "1741101"
    orcid            TEXT COLLATE "C",
    institutions     TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- JSON [{name, source_id, ror, country}]
    raw_affiliations TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- JSON list of strings
    PRIMARY KEY (paper_id, source, position)
);
CREATE INDEX provider_authorships_author ON provider_authorships(source, author_id);
CREATE INDEX provider_authorships_orcid ON provider_authorships(orcid);

-- The works a stored paper cites, by the provider's ids. Those that are stored papers
-- too make the citation graph (the view below).
CREATE TABLE provider_references (
    paper_id  BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source    TEXT COLLATE "C" NOT NULL,
    cited     TEXT COLLATE "C" NOT NULL,       -- the provider's id of the cited work
    PRIMARY KEY (paper_id, source, cited)
);
CREATE INDEX provider_references_cited ON provider_references(source, cited);

CREATE VIEW citation_edges AS
    SELECT r.paper_id AS citing_id, i.paper_id AS cited_id, r.source AS source
    FROM provider_references r
    JOIN paper_ids i ON i.scheme = r.source AND i.value = r.cited;

CREATE TABLE paper_topics (
    paper_id BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source   TEXT COLLATE "C" NOT NULL,
    topic    TEXT COLLATE "C" NOT NULL,
    rank     INTEGER NOT NULL,
    PRIMARY KEY (paper_id, source, topic)
);

-- A provider's own figures about a researcher (OpenAlex summary_stats, S2 hIndex):
-- shown beside what paperscope computes, never blended with it.
CREATE TABLE author_profiles (
    source         TEXT COLLATE "C" NOT NULL,
    author_id      TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    orcid          TEXT COLLATE "C",
    h_index        INTEGER,
    i10_index      INTEGER,
    works_count    BIGINT,
    citation_count BIGINT,
    affiliations   TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- JSON [{name, source_id, ror, country}]
    as_of          TEXT COLLATE "C" NOT NULL,
    run_id         BIGINT NOT NULL REFERENCES ingest_runs(id),
    PRIMARY KEY (source, author_id)
);
CREATE TABLE author_profile_works (
    source    TEXT COLLATE "C" NOT NULL,
    author_id TEXT COLLATE "C" NOT NULL,
    work_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (source, author_id, work_id),
    FOREIGN KEY (source, author_id) REFERENCES author_profiles(source, author_id) ON DELETE CASCADE
);
