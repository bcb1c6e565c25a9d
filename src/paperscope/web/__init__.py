"""The web app: `paperscope serve` (see app.py)."""

from paperscope.web.app import create_app

__all__ = ["create_app"]
