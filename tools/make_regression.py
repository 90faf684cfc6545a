"""Regenerate norrsken's pinned regression outputs in tests/data/regression/.

These are norrsken's own numbers at fixed inputs (pymsis keeps its reference outputs the same
way): tests/test_regression.py recomputes them and compares with xarray.testing.assert_allclose.
Run it only when a change of the numbers is intended, and say why in the commit:

    .venv/bin/python tools/make_regression.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "tests" / "data" / "regression"


def main() -> None:
    os.environ.setdefault("NORRSKEN_CACHE_DIR", tempfile.mkdtemp(prefix="norrsken-regression-"))
    sys.path.insert(0, str(HERE.parent / "tests"))
    import regression_cases as cases

    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in cases.CASES.items():
        ds = build()
        path = OUT / f"{name}.nc"
        ds.to_netcdf(path, engine="h5netcdf")
        print(f"wrote {path.relative_to(HERE.parent)}")
    for name, draw in cases.IMAGE_CASES.items():
        path = OUT / f"{name}.png"
        draw(path)
        print(f"wrote {path.relative_to(HERE.parent)}")
    (OUT / "README.md").write_text(
        "# Pinned regression outputs\n\n"
        "norrsken's own outputs at fixed inputs, written by `tools/make_regression.py` from the cases in\n"
        "`tests/regression_cases.py` and compared by `tests/test_regression.py` (relative tolerance\n"
        "1e-6). They are not a validation against another model (see `tests/data/README.md` for that):\n"
        "they catch any unintended change of the numbers. Regenerate only for an intended change.\n\n"
        + "\n".join(f"- `{name}.nc`: {build.__doc__.strip().splitlines()[0]}" for name, build in cases.CASES.items())
        + "\n\nImage baselines, compared pixel by pixel within a tolerance (`test_regression.py`):\n\n"
        + "\n".join(f"- `{name}.png`: {draw.__doc__.strip().splitlines()[0]}" for name, draw in cases.IMAGE_CASES.items())
        + "\n",
        encoding="utf-8",
    )
    print(json.dumps(sorted(cases.CASES)))


if __name__ == "__main__":
    main()
