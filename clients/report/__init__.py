"""The reporting client: collects findings through the API and renders html, md, csv or json."""

__all__ = ["data", "render", "strategy_map", "trend"]
