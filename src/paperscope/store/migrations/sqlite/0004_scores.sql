-- paperscope schema, version 4: embeddings and the scores computed from them.

-- A paper's title + abstract embedded by one model. Recomputed when the text (its hash)
-- or the model (name and version) changes; vectors are float32, L2-normalised.
CREATE TABLE embeddings (
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    model     TEXT NOT NULL,       -- "all-MiniLM-L6-v2@2", "minilm-static-256@1"
    text_hash TEXT NOT NULL,       -- blake2b of the embedded text
    dim       INTEGER NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (paper_id, model)
) WITHOUT ROWID;

-- Scores of a paper: kind "novelty" (value: Novelty %, 0–100) or "impact" (AI Score,
-- 0–100). explanation is JSON (nearest earlier papers, cohort, distance; model inputs).
-- model names what computed it, with its version; inputs is a hash of what it read, so
-- an unchanged paper is not scored again.
CREATE TABLE paper_scores (
    paper_id    INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('novelty', 'impact')),
    value       REAL,
    label       TEXT,
    explanation TEXT NOT NULL DEFAULT '{}',
    model       TEXT NOT NULL,
    inputs      TEXT NOT NULL,
    computed    TEXT NOT NULL,
    PRIMARY KEY (paper_id, kind)
) WITHOUT ROWID;
