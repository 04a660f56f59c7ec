"""Reading Relay connections in tests."""

from saleor_retention_site.driver import nodes

__all__ = ["nodes"]
