-- paperscope schema, version 1.
-- Portable SQL: the PostgreSQL backend applies the same statements with its own type
-- names (INTEGER PRIMARY KEY → BIGSERIAL/IDENTITY); JSON lists are stored as TEXT.
-- "WITHOUT ROWID" is SQLite's word for a table stored as its primary-key index alone
-- (PostgreSQL's tables are always like that, so its backend drops the words). It is used
-- on the link tables a bulk ingest fills: each row then lands in one b-tree, not two,
-- and no query wants their rowids.

CREATE TABLE ingest_runs (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,          -- "arxiv-snapshot", "arxiv-oai", ...
    command     TEXT NOT NULL,          -- what the user ran, for provenance
    started_at  TEXT NOT NULL,
    finished_at TEXT,                   -- NULL while running or if it was killed
    status      TEXT NOT NULL DEFAULT 'running',   -- running | done | failed
    stored      INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE papers (
    id                   INTEGER PRIMARY KEY,
    key                  TEXT NOT NULL UNIQUE,  -- "arxiv:2101.00016", "doi:…", "venue:nips2023/…"
    title                TEXT NOT NULL,
    title_key            TEXT NOT NULL,          -- casefolded, punctuation-free: weak matching
    abstract             TEXT,
    primary_category     TEXT,
    categories           TEXT NOT NULL DEFAULT '[]',  -- JSON list of full codes, in order
    category_code        TEXT,                        -- short code where only that is known
    first_date           TEXT,          -- v1 date, or publication date off arXiv
    latest_date          TEXT,          -- latest version date
    year                 INTEGER,
    latest_version       INTEGER,
    comments             TEXT,
    journal_ref          TEXT,
    license              TEXT,
    venue                TEXT,
    -- Which source last set the descriptive fields, and how authoritative it is.
    content_source       TEXT NOT NULL,
    content_rank         INTEGER NOT NULL,
    created_run          INTEGER NOT NULL REFERENCES ingest_runs(id),
    updated_run          INTEGER NOT NULL REFERENCES ingest_runs(id)
);
CREATE INDEX papers_title_key ON papers(title_key);

-- Every identifier a paper is known by: arxiv, doi, openreview, venue, ... and "title" for
-- papers known only from a page that gives no identifier (a seed page).
CREATE TABLE paper_ids (
    scheme   TEXT NOT NULL,
    value    TEXT NOT NULL,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    PRIMARY KEY (scheme, value)
) WITHOUT ROWID;
CREATE INDEX paper_ids_paper ON paper_ids(paper_id);

CREATE TABLE versions (
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    version   INTEGER NOT NULL,
    submitted TEXT,
    size      TEXT,
    PRIMARY KEY (paper_id, version)
) WITHOUT ROWID;

-- The author list of a paper, in order.
CREATE TABLE authorships (
    paper_id     INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,    -- 0-based
    raw_name     TEXT NOT NULL,
    given        TEXT,
    family       TEXT,
    suffix       TEXT,
    affiliations TEXT NOT NULL DEFAULT '[]',   -- JSON list of raw affiliation strings
    source       TEXT NOT NULL,
    PRIMARY KEY (paper_id, position)
) WITHOUT ROWID;

-- Authorships a source states without a place in the list: a seed page names the paper
-- as its researcher's, but the list it shows hides them behind "et al.". Rare, so an
-- ordinary table; its id keeps them in the order they were learnt.
CREATE TABLE hidden_authorships (
    id           INTEGER PRIMARY KEY,
    paper_id     INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    raw_name     TEXT NOT NULL,
    given        TEXT,
    family       TEXT,
    suffix       TEXT,
    affiliations TEXT NOT NULL DEFAULT '[]',
    source       TEXT NOT NULL,
    UNIQUE (paper_id, raw_name)
);

CREATE TABLE code_links (
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    url      TEXT NOT NULL,
    source   TEXT NOT NULL,
    PRIMARY KEY (paper_id, url)
);

-- Citation counts are observations: a count, at a source, on a date. Never summed across sources.
CREATE TABLE citation_counts (
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source   TEXT NOT NULL,
    as_of    TEXT NOT NULL,
    count    INTEGER NOT NULL,
    run_id   INTEGER NOT NULL REFERENCES ingest_runs(id),
    PRIMARY KEY (paper_id, source, as_of)
);

-- Which source records (file + position) and which run produced each paper.
CREATE TABLE provenance (
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    source    TEXT NOT NULL,
    record_id TEXT NOT NULL,      -- the id the source gave the record
    origin    TEXT NOT NULL,      -- file and position
    run_id    INTEGER NOT NULL REFERENCES ingest_runs(id),
    PRIMARY KEY (paper_id, source, record_id)
) WITHOUT ROWID;

-- Figures a page reports about a paper or a researcher; never mixed with computed ones.
CREATE TABLE claims (
    id        INTEGER PRIMARY KEY,
    subject   TEXT NOT NULL,      -- "paper:<papers.id>" or "researcher:<page>"
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    source    TEXT NOT NULL,
    as_of     TEXT,
    run_id    INTEGER NOT NULL REFERENCES ingest_runs(id),
    UNIQUE (subject, field, source)
);

-- Researcher pages (the seeds): who the page is about and which papers it lists.
CREATE TABLE researcher_pages (
    page          TEXT PRIMARY KEY,   -- the page's file name
    source        TEXT NOT NULL,      -- "seed-page"
    name          TEXT,
    name_inferred INTEGER NOT NULL,
    as_of         TEXT NOT NULL,
    run_id        INTEGER NOT NULL REFERENCES ingest_runs(id)
);
CREATE TABLE researcher_page_papers (
    page     TEXT NOT NULL REFERENCES researcher_pages(page) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    PRIMARY KEY (page, position)
);

CREATE TABLE rejects (
    id       INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL REFERENCES ingest_runs(id),
    source   TEXT NOT NULL,
    file     TEXT NOT NULL,
    position TEXT NOT NULL,
    reason   TEXT NOT NULL,
    excerpt  TEXT NOT NULL DEFAULT '',
    UNIQUE (source, file, position, reason)
);

-- Cursors of incremental harvests: e.g. (arxiv-oai, set=cs) → last datestamp stored.
CREATE TABLE harvest_state (
    source  TEXT NOT NULL,
    scope   TEXT NOT NULL,
    cursor  TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (source, scope)
);
