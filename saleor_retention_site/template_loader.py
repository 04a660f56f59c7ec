"""A last-resort template loader for Saleor's e-mail templates, which the 2.10.1 wheel lacks."""

from django.template import Origin, TemplateDoesNotExist
from django.template.loaders.base import Loader

_PLAIN_EMAIL = (
    "{% block subject %}Message from the store{% endblock %}"
    "{% block plain %}This message was sent by the demo store.{% endblock %}"
    "{% block html %}<p>This message was sent by the demo store.</p>{% endblock %}"
)


class FallbackEmailLoader(Loader):
    def get_template_sources(self, template_name):
        if template_name.startswith("templated_email/"):
            yield Origin(name=template_name, template_name=template_name, loader=self)

    def get_contents(self, origin):
        if not origin.name.startswith("templated_email/"):
            raise TemplateDoesNotExist(origin)
        return _PLAIN_EMAIL
