"""Run squawk on the up sections of the migrations (`python -m service.dev.squawk`)."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from service.config import MIGRATIONS_DIR

UP_SECTION = re.compile(
    r"--\s*migrate:up(?P<options>[^\n]*)\n(?P<body>.*?)(?=--\s*migrate:down|\Z)", re.S
)


def up_section(text: str) -> tuple[str, bool]:
    """The up section of a dbmate migration, and whether it runs inside a transaction."""
    match = UP_SECTION.search(text)
    if match is None:
        raise ValueError("no `-- migrate:up` section")
    return match["body"], "transaction:false" not in match["options"]


def main(paths: list[Path]) -> int:
    """Lint each migration's up section; exit non-zero on any finding."""
    squawk = str(Path(sys.executable).parent / "squawk")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            text = path.read_text()
            body, in_transaction = up_section(text)
            target = Path(tmp) / path.name
            # Leading blank lines keep squawk's line numbers equal to the file's.
            target.write_text("\n" * text[: text.index(body)].count("\n") + body)
            command = [squawk, "--pg-version=18", str(target)]
            if in_transaction:
                command.insert(1, "--assume-in-transaction")
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                failed += 1
                print(result.stdout.replace(str(target), str(path)), result.stderr, sep="")
    print(f"squawk: {len(paths)} migrations, {failed} with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sorted(MIGRATIONS_DIR.glob("*.sql"))))
