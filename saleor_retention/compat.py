"""Runtime patches that let Saleor 2.10.1 (written for Python 3.8, Django 3.0) run on Python 3.11.

Loaded at interpreter start by a ``.pth`` file that ``scripts/bootstrap.sh`` writes into the venv,
because celery's CLI and pytest plugins import celery before any Django settings exist.
``tests/test_shim.py`` fails if the ``.pth`` is missing or a patch stops working.

Every patch applies only when the thing it restores is missing, so on a Saleor/Python combination
that does not need it, nothing changes. This module must import nothing heavy at module level.
"""

from __future__ import annotations

import importlib.abc
import itertools
import sys
from types import ModuleType

_installed = False


def _restore_formatargspec() -> None:
    # vine 1.3 (pinned by celery 4.4) imports inspect.formatargspec, removed in Python 3.11;
    # without it ``import saleor`` fails. Rebuilt with Python 3.10's behaviour.
    import inspect

    if hasattr(inspect, "formatargspec"):
        return

    def formatargspec(
        args,
        varargs=None,
        varkw=None,
        defaults=None,
        kwonlyargs=(),
        kwonlydefaults=None,
        annotations=None,
        formatarg=str,
        formatvarargs=lambda name: "*" + name,
        formatvarkw=lambda name: "**" + name,
        formatvalue=lambda value: "=" + repr(value),
        formatreturns=lambda text: " -> " + text,
        formatannotation=inspect.formatannotation,
    ):
        annotations = annotations or {}

        def with_annotation(name):
            text = formatarg(name)
            if name in annotations:
                text += ": " + formatannotation(annotations[name])
            return text

        specs = []
        first_default = len(args) - len(defaults) if defaults else -1
        for index, name in enumerate(args):
            spec = with_annotation(name)
            if defaults and index >= first_default:
                spec += formatvalue(defaults[index - first_default])
            specs.append(spec)
        if varargs is not None:
            specs.append(formatvarargs(with_annotation(varargs)))
        elif kwonlyargs:
            specs.append("*")
        for name in kwonlyargs or ():
            spec = with_annotation(name)
            if kwonlydefaults and name in kwonlydefaults:
                spec += formatvalue(kwonlydefaults[name])
            specs.append(spec)
        if varkw is not None:
            specs.append(formatvarkw(with_annotation(varkw)))
        result = "(" + ", ".join(specs) + ")"
        if "return" in annotations:
            result += formatreturns(formatannotation(annotations["return"]))
        return result

    inspect.formatargspec = formatargspec  # type: ignore[attr-defined]


def _restore_collections_abc_aliases() -> None:
    # html5lib 1.0 (WeasyPrint 51's HTML parser, both pinned by Saleor 2.10) imports Mapping and
    # MutableMapping from ``collections``; the aliases went in Python 3.10, so WeasyPrint, which
    # renders the parcel cards' PDFs, could not be imported.
    import collections
    import collections.abc

    for name in ("Mapping", "MutableMapping"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))


def _patch_forms_boundfield(module: ModuleType) -> None:
    # Django 3.1 stopped re-exporting BoundField from django.forms.forms; 23 Saleor modules
    # still import it from there.
    if not hasattr(module, "BoundField"):
        from django.forms.boundfield import BoundField

        module.BoundField = BoundField  # type: ignore[attr-defined]


def _patch_country_field(module: ModuleType) -> None:
    # django-countries 6's CountryField skips CharField.__init__, so Django 3.2's db_collation
    # attribute never gets set and ``migrate`` crashes reading it.
    field = module.CountryField
    if "db_collation" not in vars(field):
        field.db_collation = None


def _patch_billiard_traceback(module: ModuleType) -> None:
    # billiard 3.6 fakes code objects for pickled tracebacks; Python 3.11's traceback module
    # calls co_positions() on them, so every failed task logged "--- Logging error ---" instead
    # of its traceback.
    code_class = module._Code
    if not hasattr(code_class, "co_positions"):

        def co_positions(self):
            # traceback indexes into this by instruction offset: never run out
            return itertools.repeat((None, None, None, None))

        code_class.co_positions = co_positions


# module name -> patch applied right after that module first executes
_AFTER_IMPORT = {
    "django.forms.forms": _patch_forms_boundfield,
    "django_countries.fields": _patch_country_field,
    "billiard.einfo": _patch_billiard_traceback,
}


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, wrapped: importlib.abc.Loader, patch) -> None:
        self._wrapped = wrapped
        self._patch = patch

    def create_module(self, spec):
        return self._wrapped.create_module(spec)

    def exec_module(self, module):
        self._wrapped.exec_module(module)
        self._patch(module)


class _AfterImportFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the real loader of the modules in ``_AFTER_IMPORT``."""

    def find_spec(self, fullname, path, target=None):
        patch = _AFTER_IMPORT.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


def install() -> None:
    """Apply every patch (idempotent). Modules already imported are patched at once."""
    global _installed
    if _installed:
        return
    _installed = True
    _restore_formatargspec()
    _restore_collections_abc_aliases()
    for name, patch in _AFTER_IMPORT.items():
        if name in sys.modules:
            patch(sys.modules[name])
    sys.meta_path.insert(0, _AfterImportFinder())


def is_installed() -> bool:
    return _installed
