"""Build step: ship the repository's playbooks, templates and sample organization in the wheel.

The top-level `playbooks/`, `templates/` and `incidents/organization.yaml` are their
source; a wheel (and so `pip install .` or `pipx install .`) gets a copy under
`breach/resources/`, found at run time with importlib.resources (breach/core/resources.py).

An editable install (`pip install -e .`, the README's first command) compiles the
checkout's modules to bytecode, as pip does for a wheel: Python would otherwise compile
them on every run where it may not write `__pycache__` (PYTHONDONTWRITEBYTECODE): about
15 ms more on `breach status --json` than from a wheel (bench/startup.py).
"""

import compileall
import py_compile
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SOURCES = {
    "playbooks": "playbooks",
    "templates": "templates",
    "organization.yaml": "incidents/organization.yaml",
    "verify_chain.py": "docs/verify_chain.py",
}


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            # An editable install reads the checkout's folders directly; its bytecode goes beside them
            # (by modification time, so an edited module is recompiled, as without this step).
            compileall.compile_dir(HERE / "breach", quiet=1,
                                   invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
            return
        target = Path(self.build_lib) / "breach" / "resources"
        for name, source in SOURCES.items():
            src, dst = HERE / source, target / name
            if dst.is_dir():
                shutil.rmtree(dst)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)


setup(cmdclass={"build_py": BuildWithResources})
