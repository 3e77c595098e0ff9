"""The README's Python examples run as written (in order, in one namespace)."""

import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run(monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(ROOT)  # the examples name repository paths such as scenarios/
    namespace: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)
    assert os.getcwd() == str(ROOT)
    # The blocks build on each other: the quickstart's model serves the later ones.
    assert {"model", "proj", "p", "c", "b"} <= set(namespace)
