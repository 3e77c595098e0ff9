"""Subcommand ``councils`` of the command line (DfE statistics for every council)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from carecast import _dfe

Emit = Callable[..., None]

EXAMPLES = [
    "carecast councils",
    "carecast councils --region 'East Midlands' --format csv",
    "carecast project dfe:Nottinghamshire --base-year 2024 --format csv",
    "carecast fit dfe:E06000015 --format json",
]


def register(add: Callable[..., argparse.ArgumentParser], emit: Emit) -> None:
    """Add the ``councils`` subcommand through the CLI's ``add``."""
    p = add(
        "councils",
        lambda a: cmd_councils(a, emit),
        "list every council (and region, England) in the DfE statistics with its codes "
        "and years; each is a dataset dfe:<name|ONS code|DfE number>",
    )
    p.add_argument("--region", help="only the councils of this region (e.g. 'East Midlands')")


def cmd_councils(a: argparse.Namespace, emit: Emit) -> int:
    """Run ``carecast councils``."""
    df = _dfe.councils(a.region)
    emit(df, a.format)
    return 0
