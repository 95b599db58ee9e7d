"""A letters run's checkpoint (`.progress`) checked against the files it vouches for, before a resume trusts it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from breach.errors import InputError

LETTERS_DIR = "letters"  # letters/0000001.eml ...

_COUNTS = ("line", "index", "written", "rejected", "out_bytes", "mbox_bytes")


def check_checkpoint(state: Any, progress_path: Path, out_dir: Path, fmt: str) -> None:
    """Refuse a checkpoint that is not what this engine wrote, or that the files on disk contradict.

    Its counts must be whole numbers that add up (written + rejected = rows done), and in eml/md
    the letters it vouches for must all be there, the last one byte for byte (its sha256).
    """
    start_over = f"start afresh: delete {out_dir} (or use a new --out) and run without --resume"
    if not isinstance(state, dict) or any(
            type(state.get(k)) is not int or state[k] < 0 for k in _COUNTS) or not isinstance(
            state.get("by_lang"), dict) or type(state.get("done")) is not bool:
        raise InputError(f"{progress_path} is not a checkpoint written by breach letters; {start_over}")
    if state["written"] + state["rejected"] != state["index"]:
        raise InputError(f"{progress_path} does not add up ({state['written']} written + {state['rejected']} "
                         f"rejected is not {state['index']} rows); {start_over}")
    if fmt == "mbox":
        return
    letters_dir = out_dir / LETTERS_DIR
    ext = "." + fmt
    found = 0
    if letters_dir.is_dir():
        with os.scandir(letters_dir) as entries:
            for entry in entries:
                stem, dot, rest = entry.name.partition(".")
                if "." + rest == ext and dot and stem.isdigit() and int(stem) <= state["index"]:
                    found += 1
    if found != state["written"]:
        raise InputError(f"{progress_path} counts {state['written']:,} letters written but {letters_dir} holds "
                         f"{found:,} of them; {start_over}")
    last = state.get("last_file")
    if state["written"] and last is not None:
        path = letters_dir / str(last)
        if path.parent != letters_dir or not path.is_file() or hashlib.sha256(
                path.read_bytes()).hexdigest() != state.get("last_sha256"):
            raise InputError(f"{path} is not the letter {progress_path} recorded (its sha256 differs); {start_over}")
