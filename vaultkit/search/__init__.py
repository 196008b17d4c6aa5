"""Full-text search: CJK-aware analysis, the query language and the Whoosh index.

The two version marks below live here, not in :mod:`.analysis`, so that checking whether the index
on disk is current (every refresh does) needs no Whoosh import.
"""

import importlib.util

ANALYZER_VERSION = 1
"""Bump whenever the tokens produced for some text change; the index is rebuilt on a change."""

KOREAN_AVAILABLE: bool = importlib.util.find_spec("kiwipiepy") is not None
"""Whether the optional ``kiwipiepy`` package (``vaultkit[korean]``) is installed."""
