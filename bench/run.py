"""Run every benchmark in bench/ (``make bench``); figures go to bench/README.md by hand."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n### {script.stem}")
        failed |= subprocess.call([sys.executable, str(script)], cwd=HERE)
    sys.exit(failed)
