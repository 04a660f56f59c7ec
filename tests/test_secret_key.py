"""Issue 9 (5): the public demo SECRET_KEY is refused outside the demo and tests by a system
check, short keys always, and `make demo` runs with a key of its own kept in var/."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from saleor_retention.checks import DEMO_SECRET_KEY, check_secret_key

ROOT = Path(__file__).resolve().parents[1]


def manage_check(**env_changes: str | None) -> subprocess.CompletedProcess:
    """``manage.py check`` in a fresh process, as an operator's start-up would run it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "RETENTION_ALLOW_DEMO_SECRET")
    }
    env["DJANGO_SETTINGS_MODULE"] = "saleor_retention_site.settings"
    for name, value in env_changes.items():
        if value is not None:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ids(errors) -> list[str]:
    return [error.id for error in errors]


def test_a_production_like_run_without_a_key_is_refused_at_start_up():
    # given the shipped settings and an environment that sets no SECRET_KEY and no demo flag
    # when the operator's start-up runs the system checks
    run = manage_check()

    # then it stops with saleor_retention.E001 and says what to do
    assert run.returncode != 0
    assert "saleor_retention.E001" in run.stderr
    assert "RETENTION_ALLOW_DEMO_SECRET" in run.stderr and "SECRET_KEY" in run.stderr


def test_a_run_that_declares_itself_a_demo_may_use_the_demo_key():
    # when the same run says it is a demo or test run
    run = manage_check(RETENTION_ALLOW_DEMO_SECRET="1")

    # then the check passes
    assert run.returncode == 0, run.stderr
    assert "saleor_retention" not in run.stderr


@pytest.mark.parametrize(
    ("key", "allow", "expected"),
    [
        (DEMO_SECRET_KEY, False, ["saleor_retention.E001"]),
        (DEMO_SECRET_KEY, True, []),
        ("", True, ["saleor_retention.E002"]),
        ("short-but-random-7f3a", True, ["saleor_retention.E002"]),
        ("a" * 80, False, ["saleor_retention.E002"]),  # long, but five distinct characters it lacks
        ("Zq7-" * 12 + "xY", False, []),
    ],
)
def test_the_check_refuses_the_demo_key_and_weak_keys(key, allow, expected):
    # given a SECRET_KEY and the demo flag
    with override_settings(SECRET_KEY=key, RETENTION_ALLOW_DEMO_SECRET=allow):
        # when the check runs
        found = check_secret_key()

    # then it reports exactly the expected problems
    assert ids(found) == expected


def test_make_demo_makes_its_own_key_once_and_reuses_it(tmp_path):
    # given a fresh checkout (the script in its scripts/ folder, no var/ yet)
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "secret_key.sh"
    shutil.copy(ROOT / "scripts" / "secret_key.sh", script)

    # when it is asked for the key twice
    first = subprocess.run([str(script)], capture_output=True, text=True, check=True).stdout.strip()
    again = subprocess.run([str(script)], capture_output=True, text=True, check=True).stdout.strip()

    # then one strong key was made, kept in var/ for the owner only, and reused
    key_file = tmp_path / "var" / "secret_key"
    assert first == again == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with override_settings(SECRET_KEY=first, RETENTION_ALLOW_DEMO_SECRET=False):
        assert check_secret_key() == []
    # and `make demo` runs the demo with it; git ignores var/
    dry_run = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True)
    # (under `make test` the nested make also prints "Leaving directory" lines)
    demo_lines = [
        line for line in dry_run.stdout.splitlines() if "saleor_retention_site.demo" in line
    ]
    assert len(demo_lines) == 1
    demo_line = demo_lines[0]
    assert "scripts/secret_key.sh" in demo_line and "saleor_retention_site.demo" in demo_line
    assert "var/" in (ROOT / ".gitignore").read_text().split()
