"""Run report recipes the way a reader would: each Python snippet in a fresh interpreter state, in the folder that
holds the dataset files and the works, with nothing of TrainTrace imported.

`run_python(snippets, folder)` starts one interpreter that preloads the libraries the recipes import (a clean
import: none of TrainTrace's settings, such as the HEIF opener or Pillow's pixel limit) and forks once per
snippet, so each snippet starts from that same clean state and what one snippet registers never helps the next.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

_RUNNER = r"""
import contextlib, io, json, os, sys
import imagehash, numpy, PIL.Image, pyarrow.parquet  # what the recipes import, imported cleanly
snippets = json.loads(sys.stdin.read())
outputs = []
for code in snippets:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                exec(compile(code, "<recipe>", "exec"), {"__name__": "__main__"})
        except BaseException as exc:
            buffer.write(f"FAILED: {type(exc).__name__}: {exc}")
        os.write(write, buffer.getvalue().encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    outputs.append(b"".join(chunks).decode())
print(json.dumps(outputs))
"""


def run_python(snippets: Sequence[str], folder: Path) -> list[str]:
    """What each snippet prints (stripped), run in `folder`."""
    if not snippets:
        return []
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER], input=json.dumps(list(snippets)), capture_output=True, text=True,
        cwd=folder, check=True, timeout=300,
    )  # fmt: skip
    return [output.strip() for output in json.loads(done.stdout)]
