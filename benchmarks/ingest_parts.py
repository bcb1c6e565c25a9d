"""Where a snapshot ingest's time goes: each part of `paperscope ingest snapshot` timed alone.

The ingest reads in a child process and writes in the parent (pipeline/read_ahead.py);
this times the parts one after the other in one process, on the records that
benchmarks/ingest.py builds:

1. reading: the snapshot source's records turned into rows (store/rows.py);
2. the hand-off: the rows written with marshal, as the child sends them, and read back;
3. writing: the store's ingest of rows already in memory, into a fresh database.

    python benchmarks/ingest_parts.py [--records 100000]
"""

from __future__ import annotations

import argparse
import gc
import marshal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import build_records  # noqa: E402

from paperscope.models import PaperRecord  # noqa: E402
from paperscope.pipeline import ingest as pipeline  # noqa: E402
from paperscope.sources.arxiv_snapshot import read  # noqa: E402
from paperscope.store import Store  # noqa: E402
from paperscope.store.rows import PaperRows, paper_rows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    gc.set_threshold(200_000)  # as the ingest does (pipeline/ingest.py)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "snapshot.jsonl"
        build_records(args.records, data)

        start = time.perf_counter()
        rows = [tuple(paper_rows(r)) for r in read(data) if type(r) is PaperRecord]
        reading = time.perf_counter() - start

        start = time.perf_counter()
        sent = [marshal.dumps(rows[i : i + pipeline.BATCH_SIZE], 2)
                for i in range(0, len(rows), pipeline.BATCH_SIZE)]
        dumping = time.perf_counter() - start
        del rows
        start = time.perf_counter()
        for message in sent:  # one batch alive at a time, as in the parent
            batch = [PaperRows._make(r) for r in marshal.loads(message)]
        loading = time.perf_counter() - start
        del batch

        received = [PaperRows._make(r) for message in sent for r in marshal.loads(message)]
        store = Store(Path(tmp) / "parts.db")
        start = time.perf_counter()
        pipeline.ingest(store, "arxiv-snapshot", received, "benchmarks/ingest_parts.py")
        writing = time.perf_counter() - start
        store.close()

    print(f"records: {args.records:,}")
    print(f"reading (source → rows):     {reading:6.2f} s")
    print(f"hand-off out (marshal.dumps): {dumping:6.2f} s  {sum(map(len, sent)) / 1e6:,.0f} MB")
    print(f"hand-off in (marshal.loads):  {loading:6.2f} s")
    print(f"writing (rows → store):      {writing:6.2f} s")
    print(f"sum:                         {reading + dumping + loading + writing:6.2f} s")


if __name__ == "__main__":
    main()
