"""The README documents every Makefile target and every configuration variable."""

from __future__ import annotations

import re

import pytest

from service.config import ROOT, describe

README = (ROOT / "README.md").read_text()
TARGETS = re.findall(r"^([a-z][a-z-]*):.*## ", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_readme_gives_the_two_commands_for_a_new_machine() -> None:
    assert "make run" in README and "make test" in README


@pytest.mark.parametrize("target", TARGETS)
def test_every_make_target_is_documented(target: str) -> None:
    assert f"`make {target}`" in README


@pytest.mark.parametrize("name,default", [(name, default) for name, default, _ in describe()])
def test_every_setting_is_documented_with_its_default(name: str, default: str) -> None:
    row = next((line for line in README.splitlines() if line.startswith(f"| `{name}` |")), None)
    assert row is not None, f"{name} missing from the README's configuration table"
    assert (f"`{default}`" if default else "(unset)") in row


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
