"""The analysis engine: one immutable engine per snapshot version (DESIGN section 2)."""

__all__ = ["cache", "engine", "findings_json", "results", "views"]
