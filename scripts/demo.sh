#!/usr/bin/env bash
# Install paperscope into .venv, build a database from the bundled sample, show what it
# holds, resolve its authors into researchers and show one researcher's profile.
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
echo; echo "== newest papers =="; ps papers --limit 5
echo; echo "== one paper, merged from the conference corpus and a seed page =="
ps paper venue:emnlp2022/2022.emnlp-main.765 | head -20
echo; echo "== what the database holds =="; ps stats
echo; echo "== researchers: author mentions resolved into people =="; ps resolve
echo; echo "== a researcher's profile, in the layout of the seed pages (first 3 of their papers) =="
ps researcher "Sham M. Kakade" --as-of 2026-11-23 --sort citations --limit 3
