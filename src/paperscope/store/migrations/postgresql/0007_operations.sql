-- paperscope schema, version 7 (PostgreSQL twin of ../0007_operations.sql): running a
-- deployment safely.
--
-- artifacts: files kept beside the database (the nearest-neighbour index), each written
-- whole into a new generation folder and then published here in one commit. Readers
-- open the generation this table names, never a file being written.
-- stage_locks: stages that must not overlap (resolve, score) hold a row while they run,
-- naming who holds it.
-- data_version (PostgreSQL only): one row holding a counter n that writers raise, so a
-- process can tell cheaply whether the data changed since it last looked (what SQLite's
-- PRAGMA data_version tells a connection).

CREATE TABLE artifacts (
    name       TEXT COLLATE "C" PRIMARY KEY,
    generation BIGINT NOT NULL,
    updated    TEXT COLLATE "C" NOT NULL
);

CREATE TABLE stage_locks (
    stage   TEXT COLLATE "C" PRIMARY KEY,
    pid     BIGINT NOT NULL,
    host    TEXT COLLATE "C" NOT NULL,
    command TEXT COLLATE "C" NOT NULL,
    since   TEXT COLLATE "C" NOT NULL
);

CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO data_version VALUES (1, 0);
