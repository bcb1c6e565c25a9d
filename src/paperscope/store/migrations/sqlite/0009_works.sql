-- paperscope schema, version 9: works (paperscope/works.py).
--
-- work_members: the papers that are versions of one work of several; work_id is the
-- work's earliest version (a paper id). A paper not listed is a work of its own.
-- Rebuilt whole by every `paperscope works build` (resolve and score run it first).
-- work_overrides: corrections by paper key, applied again on every rebuild:
--   split: {"papers": [key]}            this paper is a work of its own
--   merge: {"papers": [key, key, …]}    these papers are one work

CREATE TABLE work_members (
    paper_id INTEGER PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    work_id  INTEGER NOT NULL,
    evidence TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX work_members_work ON work_members(work_id);

CREATE TABLE work_overrides (
    id      INTEGER PRIMARY KEY,
    action  TEXT NOT NULL CHECK (action IN ('merge', 'split')),
    payload TEXT NOT NULL,
    created TEXT NOT NULL
);
