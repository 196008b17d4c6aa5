"""Full-text search: CJK-aware analysis, the query language and the Whoosh index."""
