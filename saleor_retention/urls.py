"""ROOT_URLCONF for a Saleor store with the plugin: Saleor's URLs, with ``/graphql/`` serving the
schema that includes the retention fields, behind the query limits of ``graphql/limits.py``. The URL keeps Saleor's name ``api`` (Saleor reverses it).
"""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from saleor.urls import urlpatterns as saleor_urlpatterns

from .cards.views import download_cards
from .graphql.saleor_types import graphql_view_kwargs
from .graphql.schema import schema
from .graphql.view import RetentionGraphQLView

urlpatterns = [
    re_path(
        r"^graphql/",
        csrf_exempt(RetentionGraphQLView.as_view(schema=schema, **graphql_view_kwargs())),
        name="api",
    ),
    re_path(
        r"^retention/cards/(?P<token>[\w:.\-]+)\.pdf$",
        download_cards,
        name="retention-card-download",
    ),
    *(pattern for pattern in saleor_urlpatterns if getattr(pattern, "name", None) != "api"),
]
