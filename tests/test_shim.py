"""The Python 3.11 shim: each patch is in place, and without it Saleor's stack breaks."""

import inspect
import subprocess
import sys
import sysconfig
import textwrap

from saleor_retention import compat


def test_shim_is_installed_at_interpreter_start():
    # given a fresh interpreter of this venv that imports nothing of ours itself
    code = "import sys; print('saleor_retention.compat' in sys.modules)"

    # when
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    # then the .pth file written by scripts/bootstrap.sh loaded it
    assert out.stdout.strip() == "True"


def test_formatargspec_is_restored_with_python_310_output():
    def sample(a, b=2, *args, c, d=4, **kw) -> int: ...

    spec = inspect.getfullargspec(sample)
    assert inspect.formatargspec(*spec) == "(a, b=2, *args, c, d=4, **kw) -> int"


def test_django_forms_boundfield_reexported():
    from django.forms import boundfield, forms

    assert forms.BoundField is boundfield.BoundField


def test_country_field_has_db_collation():
    from django_countries.fields import CountryField

    assert CountryField(max_length=2).db_collation is None


def test_billiard_tracebacks_format_on_311():
    import traceback

    from billiard.einfo import Traceback

    try:
        raise ValueError("boom")
    except ValueError as exc:
        fake = Traceback(exc.__traceback__)
        text = "".join(traceback.format_tb(fake))
    assert "raise ValueError" in text or "test_billiard_tracebacks_format_on_311" in text


def test_saleor_does_not_import_without_the_shim():
    # given an interpreter that skips site-packages' .pth files (-S), with the venv on sys.path
    site = sysconfig.get_paths()["purelib"]
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.append({site!r})
        try:
            import celery.app  # vine needs inspect.formatargspec
        except Exception as exc:
            print("broken:", type(exc).__name__)
        else:
            print("imported")
        """
    )
    without = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True)
    with_shim = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            f"import sys; sys.path.append({site!r}); "
            "import saleor_retention.compat; saleor_retention.compat.install()\n" + code,
        ],
        capture_output=True,
        text=True,
    )

    # then celery fails to import without it and works with it
    assert without.stdout.startswith("broken:"), without.stdout + without.stderr
    assert with_shim.stdout.strip() == "imported", with_shim.stdout + with_shim.stderr


def test_install_is_idempotent():
    compat.install()
    compat.install()
    assert compat.is_installed()


def test_weasyprint_imports_and_renders_a_pdf():
    # html5lib 1.0 needs collections.Mapping / MutableMapping (gone in Python 3.10)
    import collections

    import weasyprint

    assert collections.Mapping is collections.abc.Mapping
    document = weasyprint.HTML(string="<h1>ABC234</h1><p>2027-01-01</p>").render()
    assert len(document.pages) == 1
    assert document.write_pdf().startswith(b"%PDF")


def test_weasyprint_is_broken_without_the_shim():
    site = sysconfig.get_paths()["purelib"]
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.append({site!r})
        try:
            import weasyprint
        except ImportError as exc:
            print("broken:", exc)
        else:
            print("imported")
        """
    )
    without = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True)
    assert "broken:" in without.stdout and "Mapping" in without.stdout, (
        without.stdout + without.stderr
    )
