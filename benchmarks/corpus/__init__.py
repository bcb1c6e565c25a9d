"""The synthetic corpus of benchmarks/make_corpus.py (the design is described there), by concept.

real: the real records and their topics · names: the name model and spellings · people: labs
and people · records: arXiv's calendar, ids and the snapshot record · writer: the corpus
month by month, written to its three files.
"""
