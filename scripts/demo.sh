#!/usr/bin/env bash
# Install paperscope into .venv, build a database from the bundled sample, show what it
# holds, resolve its authors into researchers, score every paper (Novelty %, AI Score)
# and show the top-scored recent papers and one researcher's scored profile; then serve it
# all as a web app (set PAPERSCOPE_DEMO_NO_SERVE=1 to stop before serving).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .
ps() { .venv/bin/paperscope --db sample.db "$@"; }
rm -f sample.db sample.db-wal sample.db-shm
ps ingest listings sample/arxiv-daily-cs.jsonl.gz
ps ingest snapshot sample/arxiv-snapshot.jsonl
ps ingest conferences sample/conferences.jsonl.gz
ps ingest seeds sample/seeds --as-of 2026-11-23
echo; echo "== papers known only from a researcher page, completed from the records stored =="; ps works complete
echo; echo "== newest papers =="; ps papers --limit 5
echo; echo "== one paper, merged from the conference corpus and a seed page =="
ps paper venue:emnlp2022/2022.emnlp-main.765 | head -20
echo; echo "== what the database holds =="; ps stats
echo; echo "== researchers: author mentions resolved into people =="; ps resolve
echo; echo "== scores: embed (static MiniLM distillation) → Novelty % → AI Score =="; ps score
echo; echo "== the top AI Scores among this year's papers =="
ps papers --sort score --since 2026-01-01 --limit 3
echo; echo "== why: one paper's scores explained =="
ps paper "$(ps papers --sort score --since 2026-01-01 --limit 1 --format json | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)[0]["key"])')" --explain
echo; echo "== a scored researcher profile, in the layout of the seed pages (first 3 of their papers) =="
ps researcher "Sham M. Kakade" --as-of 2026-11-23 --sort citations --limit 3
if [ -z "${PAPERSCOPE_DEMO_NO_SERVE:-}" ]; then
  echo; echo "== the web app: open http://127.0.0.1:${PAPERSCOPE_PORT:-8000}/ (Ctrl-C stops it) =="
  exec .venv/bin/paperscope --db sample.db serve --host 127.0.0.1 --port "${PAPERSCOPE_PORT:-8000}" --as-of 2026-11-23
fi
