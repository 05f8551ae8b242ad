"""Write the data contracts shipped for the embedded sample data sets.

A growth-stage project checks its raw data against ``contracts/raw.yaml``. For the
scikit-learn sample data sets the template ships those contracts, drafted by the
generated project's own code (``contracts.infer_contract``) so that there is one
implementation. Run after changing that code, and commit the result:

    uv run python hooks/make_contracts.py

The tests fail when the shipped contracts drift from what this script writes.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "template" / "src" / "{{ package_name }}"
CONTRACTS_DIR = ROOT / "template" / ".contracts"
SAMPLES = {"breast_cancer": True, "wine": True, "diabetes": False}  # name -> classification


def template_package(name: str = "generated_package") -> ModuleType:
    """Import the template's (un-rendered) package, whose plain .py files are valid Python."""
    if name in sys.modules:
        return sys.modules[name]
    # No bytecode next to the template's files, now or when its modules import each other
    # later: a __pycache__ in template/ is a path Copier tries to render (the names hold Jinja).
    sys.dont_write_bytecode = True
    init = PACKAGE_DIR / "__init__.py.jinja"
    spec = importlib.util.spec_from_file_location(
        name,
        init,
        loader=SourceFileLoader(name, str(init)),
        submodule_search_locations=[str(PACKAGE_DIR)],
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def template_module(file_name: str, module: str) -> ModuleType:
    """Import one module of the template's package, even under a conditional file name."""
    name = f"{template_package().__name__}.{module}"
    if name not in sys.modules:
        path = str(PACKAGE_DIR / file_name)
        spec = importlib.util.spec_from_file_location(
            name, path, loader=SourceFileLoader(name, path)
        )
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def contract_text(sample: str) -> str:
    """The contract file the template ships for one sample data set."""
    data = template_module("data.py", "data")
    contracts = template_module("{% if stage_rank >= 1 %}contracts.py{% endif %}", "contracts")
    frame = data.load_source(sample)
    contract = contracts.infer_contract(frame, "target", classification=SAMPLES[sample])
    return contracts.HEADER + contracts.yaml.safe_dump(
        contract, sort_keys=False, default_flow_style=None, width=100
    )


def main() -> int:
    """Write every sample data set's contract into template/.contracts/."""
    CONTRACTS_DIR.mkdir(exist_ok=True)
    for sample in SAMPLES:
        path = CONTRACTS_DIR / f"{sample}.yaml"
        path.write_text(contract_text(sample), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
