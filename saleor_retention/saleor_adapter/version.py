"""Which Saleor line is running, read once from the installed ``saleor`` package."""

from __future__ import annotations


def saleor_version() -> str:
    import saleor

    return getattr(saleor, "__version__", "unknown")


def saleor_major_version() -> int:
    try:
        return int(saleor_version().split(".")[0])
    except ValueError:
        return 0


SALEOR_MAJOR_VERSION = saleor_major_version()
