from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "saleor_retention"
    label = "saleor_retention"
    verbose_name = _("Customer retention")
    default_auto_field = "django.db.models.BigAutoField"
