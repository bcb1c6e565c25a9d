"""paperscope: open, self-hostable research intelligence over arXiv and conference papers."""

__version__ = "0.1.0"
