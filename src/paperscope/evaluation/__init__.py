"""Evaluations of paperscope's stages against public gold sets (readers and scores)."""
