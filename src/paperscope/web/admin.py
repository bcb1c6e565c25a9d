"""The only writing endpoints: researcher corrections and re-scoring. They need the admin
token (``Authorization: Bearer <token>``, the value of ``$PAPERSCOPE_ADMIN_TOKEN``) and
answer 403 when the app has no token set, so a public deployment has no way to write."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field

from paperscope import corrections
from paperscope.errors import StageBusy, shorten
from paperscope.web.api import FastJSON

router = APIRouter(prefix="/api/admin", tags=["admin"], default_response_class=FastJSON)


def admin(request: Request, authorization: Annotated[str | None, Header(max_length=300)] = None) -> Any:
    """The app state, for a request that carries the admin token."""
    app = request.app.state.paperscope
    token = app.settings.admin_token
    if not token:
        raise HTTPException(403, "admin endpoints are off: set PAPERSCOPE_ADMIN_TOKEN to turn them on")
    # Only "Bearer <token>" (the scheme in any case, RFC 9110 11.1), compared in constant time.
    # Header values arrive decoded as Latin-1: encoded back, they are the bytes sent.
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("latin-1", "replace"), token.encode("utf-8", "surrogatepass"),
    ):
        raise HTTPException(401, "admin endpoints need 'Authorization: Bearer <PAPERSCOPE_ADMIN_TOKEN>'")
    return app


ResearcherId = Annotated[int, Field(ge=1, le=2**62)]  # database integers are 64-bit


class Merge(BaseModel):
    ids: list[ResearcherId] = Field(min_length=2, max_length=20, description="Researcher ids that are one person")


class Split(BaseModel):
    researcher: ResearcherId
    papers: list[Annotated[str, Field(max_length=300)]] = Field(
        min_length=1, max_length=100, description="Papers (any id) to move to a new researcher")


class Score(BaseModel):
    steps: list[Literal["embed", "index", "novelty", "impact"]] = Field(
        default=["embed", "index", "novelty", "impact"], max_length=4,
    )


def _write(app: Any, action: Any) -> dict[str, Any]:
    store = app.writable_store()
    try:
        return action(store)
    except corrections.CorrectionError as exc:
        raise HTTPException(422, str(exc)) from None
    except StageBusy as exc:  # a resolve or score already running: try again later
        raise HTTPException(409, str(exc)) from None
    finally:
        store.close()
        app.cache.clear()
        app.figures.clear()


@router.post("/researchers/merge", summary="Merge researchers (stored as an override)")
def merge(body: Merge, app: Annotated[Any, Depends(admin)]) -> dict[str, Any]:
    def action(store: Any) -> dict[str, Any]:
        oid, summary = corrections.merge(store, body.ids)
        return {"override": oid, "resolve": summary.line()}

    return _write(app, action)


@router.post("/researchers/split", summary="Move a researcher's papers to a new researcher")
def split(body: Split, app: Annotated[Any, Depends(admin)]) -> dict[str, Any]:
    def action(store: Any) -> dict[str, Any]:
        paper_ids = set()
        for ref in body.papers:
            pid = store.find_paper(ref)
            if pid is None:
                raise corrections.CorrectionError(f"no paper with id {shorten(ref)}")
            paper_ids.add(pid)
        oid, moved, summary = corrections.split(store, body.researcher, paper_ids)
        return {"override": oid, "moved": moved, "resolve": summary.line()}

    return _write(app, action)


@router.post("/score", summary="Re-run the score stage over what changed")
def score(body: Score, app: Annotated[Any, Depends(admin)]) -> dict[str, Any]:
    def action(store: Any) -> dict[str, Any]:
        from paperscope.embed import get_embedder
        from paperscope.pipeline.score import score_store

        embedder = get_embedder("static") if {"embed", "index", "novelty"} & set(body.steps) else None
        summary = score_store(store, embedder=embedder, steps=tuple(body.steps))
        return {"score": summary.line()}

    return _write(app, action)
