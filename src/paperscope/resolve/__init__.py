"""Author resolution: which author mentions are one person. Pure: no database here.

``blocking`` says which mentions may be compared, ``features`` what a pair has in common,
``cluster`` turns that into people; the store's resolve stage and the benchmark
evaluation (``paperscope.evaluation.disambiguation``) both call :func:`resolve` /
:func:`cluster`.
"""

from paperscope.resolve.blocking import block_key, name_variants_key
from paperscope.resolve.cluster import cluster, resolve
from paperscope.resolve.mentions import Mention

__all__ = ["Mention", "block_key", "cluster", "name_variants_key", "resolve"]
