"""What the import/export commands share: their actor, writing the output."""

import sys
from pathlib import Path

from clinicorg.access.system import SystemActor
from clinicorg.core.models import Organization

KINDS = ("staff", "locations")


def system_actor(org: Organization) -> SystemActor:
    return SystemActor(org.pk, label="cli")


def write_output(content: bytes, output: str, stdout) -> None:
    if output in ("", "-"):
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    Path(output).write_bytes(content)
    stdout.write(f"Wrote {output} ({len(content):,} bytes).")


def format_for(fmt: str | None, output: str) -> str:
    if fmt:
        return fmt
    return "xlsx" if output.lower().endswith(".xlsx") else "csv"
