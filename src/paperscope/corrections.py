"""Manual corrections of the resolver: merge, split, claim. Each is stored as an override
(by paper key + mention, so it survives every rebuild) and applied by a resolve run.

The CLI (`paperscope researchers ...`) and the web app's admin API both call these.
"""

from __future__ import annotations

from typing import Any

from paperscope.store import Store

__all__ = ["CorrectionError", "claim", "mention_refs", "merge", "split"]


class CorrectionError(ValueError):
    """A correction that cannot apply; the message says why."""


def mention_refs(store: Store, researcher_id: int, paper_ids: set[int] | None = None) -> list[list[str]]:
    """A researcher's mentions as [paper key, mention]: how overrides name them for good."""
    mentions = [(pid, m) for pid, m in store.researchers.mentions_of(researcher_id)
                if paper_ids is None or pid in paper_ids]
    keys = store.researchers.paper_keys(pid for pid, _ in mentions)
    return [[keys[pid], m] for pid, m in mentions]


def _correct(store: Store, action: str, payload: dict[str, Any]) -> tuple[int, Any]:
    """Store an override and resolve with it: (override id, resolve summary). The resolve
    lock is held from before the override is written until its resolve ends, so that a
    correction is never stored while another resolve runs (StageBusy names it)."""
    from paperscope.pipeline.resolve import resolve_store

    with store.locks.hold("resolve", f"paperscope researchers {action}"):
        with store.transaction():
            oid = store.researchers.add_override(action, payload)
        return oid, resolve_store(store)


def merge(store: Store, researcher_ids: list[int]) -> tuple[int, Any]:
    """These researchers are one person: (override id, resolve summary)."""
    ids = list(dict.fromkeys(researcher_ids))
    if len(ids) < 2:
        raise CorrectionError("merge needs two researchers or more")
    missing = [rid for rid in ids if store.researchers.get(rid) is None]
    if missing:
        raise CorrectionError(f"no researcher with id {missing[0]}")
    groups = [mention_refs(store, rid) for rid in ids]
    return _correct(store, "merge", {"groups": groups})


def split(store: Store, researcher_id: int, paper_ids: set[int]) -> tuple[int, int, Any]:
    """The researcher's mentions on these papers are someone else: (override id, mentions moved, summary)."""
    if store.researchers.get(researcher_id) is None:
        raise CorrectionError(f"no researcher with id {researcher_id}")
    move = mention_refs(store, researcher_id, paper_ids)
    if not move:
        raise CorrectionError("none of these papers is the researcher's")
    oid, summary = _correct(store, "split", {"from": mention_refs(store, researcher_id), "move": move})
    return oid, len(move), summary


def claim(store: Store, researcher_id: int, orcid: str) -> tuple[int, Any]:
    """This researcher has this (normalized) ORCID: (override id, resolve summary)."""
    if store.researchers.get(researcher_id) is None:
        raise CorrectionError(f"no researcher with id {researcher_id}")
    return _correct(store, "claim", {"mentions": mention_refs(store, researcher_id), "orcid": orcid})
