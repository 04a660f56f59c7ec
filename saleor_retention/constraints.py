"""``CheckConstraint`` under the keyword the running Django expects.

Django 5.1 renamed ``CheckConstraint(check=)`` to ``condition=`` and Django 6.0 drops ``check=``;
Saleor 2.10 runs on Django 3.2, which knows only ``check=``. The constraint built is the same
either way, so models and migrations describe the same database on every Saleor line.
"""

from __future__ import annotations

import django
from django.db import models

_KEYWORD = "condition" if django.VERSION >= (5, 1) else "check"


def check_constraint(condition: models.Q, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(**{_KEYWORD: condition}, name=name)
