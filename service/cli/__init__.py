"""The `stratmap` command line (service.cli.main)."""

__all__ = ["console", "entry", "main", "sight"]
