"""What every benchmark prints first: the command, the machine and the versions."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

CORE = ("emotion-matrix", "numpy", "scipy", "pandas", "rjieba", "opencc", "ahocorasick-rs")


def machine() -> str:
    """CPU model, core count, Python and OS."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def versions(names: tuple[str, ...] = CORE) -> str:
    """``name version`` of each distribution, ``absent`` when it is not installed."""

    def one(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return ", ".join(f"{name} {one(name)}" for name in names)


def print_header(extra: tuple[str, ...] = ()) -> None:
    """Print the command line as run, the machine and the versions of the core packages plus ``extra``."""
    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {machine()}")
    print(f"versions: {versions(CORE + extra)}")
