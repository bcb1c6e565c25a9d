-- paperscope schema, version 3: researchers, the people behind author mentions.
--
-- A mention is one author of one paper: a listed authorship ("p<position>") or one a
-- researcher page hides behind "et al." ("h:<raw name>"). `paperscope resolve` clusters
-- mentions into researchers (see pipeline/resolve.py); everything here is rebuilt from
-- the papers and the overrides, which are the only facts users add by hand.

CREATE TABLE researchers (
    id        INTEGER PRIMARY KEY,   -- kept across rebuilds for the cluster that keeps most mentions
    name      TEXT NOT NULL,         -- the fullest spelling used most
    name_key  TEXT NOT NULL,         -- the name folded for search: lower case, no diacritics
    block     TEXT NOT NULL,         -- family name + first initial, folded (resolve/blocking.py)
    orcid     TEXT,                  -- from a provider or claimed by hand
    page      TEXT,                  -- the researcher page that is about this person
    mentions  INTEGER NOT NULL
);
CREATE INDEX researchers_name_key ON researchers(name_key);
CREATE INDEX researchers_block ON researchers(block);

CREATE TABLE researcher_mentions (
    paper_id      INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    mention       TEXT NOT NULL,      -- "p3" (listed, position 3) or "h:Zixin Wen" (hidden)
    researcher_id INTEGER NOT NULL REFERENCES researchers(id) ON DELETE CASCADE,
    PRIMARY KEY (paper_id, mention)
) WITHOUT ROWID;
CREATE INDEX researcher_mentions_researcher ON researcher_mentions(researcher_id);

-- The provider ids a researcher's mentions carry (OpenAlex/S2 author ids, ORCIDs).
CREATE TABLE researcher_ids (
    researcher_id INTEGER NOT NULL REFERENCES researchers(id) ON DELETE CASCADE,
    scheme        TEXT NOT NULL,      -- "openalex", "semantic-scholar", "orcid", "page"
    value         TEXT NOT NULL,
    PRIMARY KEY (scheme, value, researcher_id)
) WITHOUT ROWID;
CREATE INDEX researcher_ids_researcher ON researcher_ids(researcher_id);

-- The resolver's last answer per block, so a rebuild re-clusters only changed blocks.
-- labels: JSON {"labels": {mention: cluster label}, "ids": {mention: [provider ids]}};
-- fingerprint: what the answer was computed from.
CREATE TABLE resolve_blocks (
    block       TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    labels      TEXT NOT NULL
);

-- Manual corrections, re-applied in order on every rebuild. They name mentions by the
-- paper's key, which survives rebuilds (researcher ids may not):
--   merge: {"groups": [[[paper key, mention], …], [[…], …]]}   these people are one
--   split: {"from": [[paper key, mention], …], "move": [[paper key, mention], …]}
--   claim: {"mentions": [[paper key, mention], …], "orcid": "0000-…"}
CREATE TABLE researcher_overrides (
    id      INTEGER PRIMARY KEY,
    action  TEXT NOT NULL CHECK (action IN ('merge', 'split', 'claim')),
    payload TEXT NOT NULL,
    created TEXT NOT NULL
);
