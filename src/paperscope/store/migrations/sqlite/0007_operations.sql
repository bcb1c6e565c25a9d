-- paperscope schema, version 7: running a deployment safely.
--
-- artifacts: files kept beside the database (the nearest-neighbour index), each written
-- whole into a new generation folder and then published here in one commit; readers
-- open the generation this table names, never a file being written.
-- stage_locks: stages that must not overlap (resolve, score) hold a row while they run,
-- naming who holds it.

CREATE TABLE artifacts (
    name TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    updated TEXT NOT NULL
);

CREATE TABLE stage_locks (
    stage TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    command TEXT NOT NULL,
    since TEXT NOT NULL
);
