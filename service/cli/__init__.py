"""The `stratmap` command line (service.cli.main)."""

__all__ = ["main"]
