"""Which Saleor line is running, read once from the installed ``saleor`` package."""

from __future__ import annotations


def saleor_version() -> str:
    """3.x runs from its source tree and says ``saleor.__version__`` ("3.21.69"); 2.10's says
    "dev", but 2.10 is an installed distribution whose metadata has the number."""
    import saleor

    version = str(getattr(saleor, "__version__", ""))
    if version[:1].isdigit():
        return version
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("saleor")
    except PackageNotFoundError:
        return "unknown"


def saleor_major_version() -> int:
    try:
        return int(saleor_version().split(".")[0])
    except ValueError:
        return 0


# Unknown reads as 0 and takes the 2.x line, the one whose names need no newer Saleor.
SALEOR_MAJOR_VERSION = saleor_major_version()
