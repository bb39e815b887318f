"""How much loading the module adds to importing the Dagger SDK, in fresh processes.

Every `dagger call` starts a Python process that imports the SDK and then loads
`main:Pipeline`; the budget is that the second part costs at most 10% of the first.
Three figures, each the median wall time over fresh interpreters:

- `import dagger` alone (the baseline every Dagger module pays);
- `import dagger, main` (the package itself must stay light: `Pipeline` loads lazily);
- `import dagger, main; main.Pipeline` (what the runtime does: the whole module).

Run: `.venv/bin/python benchmarks/import_overhead.py [--runs N]`.
"""

import argparse
import statistics
import subprocess
import sys
import time

SNIPPETS = {
    "import dagger": "import dagger",
    "import dagger, main": "import dagger, main",
    "load main:Pipeline": "import dagger, main; main.Pipeline",
}


def time_once(code: str) -> float:
    """Wall time of one fresh interpreter running ``code``."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> None:
    """Measure the three snippets interleaved, so drift hits them alike."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per snippet")
    runs = parser.parse_args().runs
    for code in SNIPPETS.values():  # warm the file cache once
        time_once(code)
    samples: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    for _ in range(runs):
        for name, code in SNIPPETS.items():
            samples[name].append(time_once(code))
    base = statistics.median(samples["import dagger"])
    print(f"median of {runs} fresh processes ({sys.version.split()[0]})")
    for name, values in samples.items():
        median = statistics.median(values)
        extra = (median - base) / base * 100
        print(f"  {name:<22} {median * 1000:7.1f} ms   {extra:+5.1f}% vs import dagger")
    overhead = (statistics.median(samples["load main:Pipeline"]) - base) / base * 100
    verdict = "within" if overhead <= 10 else "OVER"  # noqa: PLR2004 - the budget
    print(f"budget: loading the module adds at most 10%: {verdict} ({overhead:+.1f}%)")


if __name__ == "__main__":
    main()
