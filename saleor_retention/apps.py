from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "saleor_retention"
    label = "saleor_retention"
    verbose_name = _("Customer retention")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from . import checks  # noqa: F401 - registers the system checks
        from .privacy import on_user_pre_delete

        # Saleor 2.10 has no customer-deleted hook: see privacy.py.
        pre_delete.connect(
            on_user_pre_delete, sender=get_user_model(), dispatch_uid="retention_erase_customer"
        )
        from . import saleor_adapter

        saleor_adapter.connect_signals()  # Saleor 3: gift cards added to checkouts (saleor3.py)
        # The periodic jobs go to Celery beat from here, so no cron lines are needed.
        from saleor.celeryconf import app

        from .beat import register

        register(app)
        _load_settings_once_per_request_and_task()


def _load_settings_once_per_request_and_task() -> None:
    """The merchant's settings are read at most once per request and per task (``conf.py``)."""
    from celery import signals as task_signals
    from django.core.signals import request_finished, request_started

    from . import conf

    request_started.connect(conf.open_request_scope, dispatch_uid="retention_settings_open")
    request_finished.connect(conf.close_request_scope, dispatch_uid="retention_settings_close")
    task_signals.task_prerun.connect(conf.open_scope, dispatch_uid="retention_settings_open")
    task_signals.task_postrun.connect(conf.close_scope, dispatch_uid="retention_settings_close")
