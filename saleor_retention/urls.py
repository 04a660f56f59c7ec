"""ROOT_URLCONF for a Saleor store with the plugin: Saleor's URLs, with ``/graphql/`` serving the
schema that includes the retention fields. The URL keeps Saleor's name ``api`` (Saleor reverses it).
"""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from saleor.graphql.views import GraphQLView
from saleor.urls import urlpatterns as saleor_urlpatterns

from .cards.views import download_cards
from .graphql.saleor_types import graphql_view_kwargs
from .graphql.schema import schema

urlpatterns = [
    re_path(
        r"^graphql/",
        csrf_exempt(GraphQLView.as_view(schema=schema, **graphql_view_kwargs())),
        name="api",
    ),
    re_path(
        r"^retention/cards/(?P<token>[\w:.\-]+)\.pdf$",
        download_cards,
        name="retention-card-download",
    ),
    *(pattern for pattern in saleor_urlpatterns if getattr(pattern, "name", None) != "api"),
]
