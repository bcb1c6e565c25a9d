"""Sources: one module per input. Each reads its input and yields records
(:class:`~paperscope.models.PaperRecord`, :class:`~paperscope.models.ResearcherPage`,
:class:`~paperscope.models.Rejected`) and knows nothing of storage."""
