-- paperscope schema, version 4 (PostgreSQL twin of ../0004_scores.sql): embeddings and
-- the scores computed from them.

-- A paper's title + abstract embedded by one model. Recomputed when the text (its hash)
-- or the model (name and version) changes. vector is pgvector's type, stored without a
-- fixed dimension (models differ), so dim says how many components it has. Values are
-- float32, L2-normalised.
CREATE TABLE embeddings (
    paper_id  BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    model     TEXT COLLATE "C" NOT NULL,       -- "all-MiniLM-L6-v2@2", "minilm-static-256@1"
    text_hash TEXT COLLATE "C" NOT NULL,       -- blake2b of the embedded text
    dim       INTEGER NOT NULL,
    vector    vector NOT NULL,
    PRIMARY KEY (paper_id, model)
);

-- Scores of a paper: kind "novelty" (value: Novelty %, 0–100) or "impact" (AI Score,
-- 0–100). explanation is JSON (nearest earlier papers, cohort, distance, model inputs).
-- model names what computed it, with its version. inputs is a hash of what it read, so
-- an unchanged paper is not scored again.
CREATE TABLE paper_scores (
    paper_id    BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind IN ('novelty', 'impact')),
    value       DOUBLE PRECISION,
    label       TEXT COLLATE "C",
    explanation TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    model       TEXT COLLATE "C" NOT NULL,
    inputs      TEXT COLLATE "C" NOT NULL,
    computed    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (paper_id, kind)
);
