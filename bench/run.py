"""``make bench``: run every benchmark in this folder; each writes bench/results/<name>.json.

Benchmarks that need PostgreSQL use ACCORD_DATABASE_URL when set, else a local server on 127.0.0.1:5432.
Pass names to run a subset: ``python bench/run.py ledger matching``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "__init__"})
    failed = []
    for name in names:
        script = HERE / f"{name}.py"
        print(f"=== bench {name} ===", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {name}: exit {code} in {time.monotonic() - started:.1f}s", flush=True)
        if code:
            failed.append(name)
        result = HERE / "results" / f"{name}.json"
        if result.exists():
            print(json.dumps(json.loads(result.read_text()), indent=2)[:4000])
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
