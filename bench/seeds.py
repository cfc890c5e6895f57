"""Validation accuracy over several seeds: the engine against the course recipe (a) and max_length padding (b).

`bench/training.py` compares one seed, and on the 140-row validation split of `sample:sentiment` one point of
accuracy is 1.4 rows, less than what changing the seed moves. This script trains each variant of
`bench/training.py` once per seed (no timing: the machine may be busy) and reports each seed's accuracy, the mean
and standard deviation per variant, and the mean difference from the engine with its spread, which is what "within
one point" can be judged on.

Run from the repository root: `python bench/seeds.py [--seeds 1,2,3,4,5] [--variants engine,a,b]`.
"""

import argparse
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # `python bench/seeds.py` puts bench/ on the path, not the repository

from bench.training import ENGINE, VARIANTS, prepare, quiet, run_once, with_studio_dir  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds (default 1,2,3,4,5)")
    parser.add_argument(
        "--variants", default="engine,a,b", help="variant keys of bench/training.py (default engine,a,b)"
    )
    parser.add_argument("--epochs", type=float, default=None, help="epochs (default: the model's, 10 for scratch:)")
    parser.add_argument("--dataset", default="sample:sentiment")
    parser.add_argument("--model", default="scratch:small")
    args = parser.parse_args(argv)
    args.seed_list = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    args.variant_keys = [key.strip() for key in args.variants.split(",") if key.strip()]
    known = {variant.key for variant in VARIANTS}
    if not args.seed_list or not set(args.variant_keys) <= known or ENGINE not in args.variant_keys:
        parser.error(
            f"--seeds needs at least one seed; --variants must include engine, from {', '.join(sorted(known))}"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet()
    variants = [variant for variant in VARIANTS if variant.key in args.variant_keys]
    scores: dict[str, dict[int, float]] = {variant.key: {} for variant in variants}

    def body(workdir: Path) -> None:
        for seed in args.seed_list:
            args.seed = seed
            setup = prepare(args, workdir)  # the scratch model and its head are seeded too
            for variant in variants:
                result = run_once(variant, setup)
                scores[variant.key][seed] = result.accuracy
                print(f"seed {seed} ({variant.key}): accuracy {result.accuracy:.3f}", flush=True)

    with_studio_dir(body)
    engine = scores[ENGINE]
    print()
    print(
        "| variant | "
        + " | ".join(f"seed {seed}" for seed in args.seed_list)
        + " | mean | sd | engine − variant, mean (sd) |"
    )
    print("|---|" + "---:|" * (len(args.seed_list) + 3))
    for variant in variants:
        values = [scores[variant.key][seed] for seed in args.seed_list]
        gaps = [100 * (engine[seed] - scores[variant.key][seed]) for seed in args.seed_list]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        gap_spread = statistics.stdev(gaps) if len(gaps) > 1 else 0.0
        gap = "—" if variant.key == ENGINE else f"{statistics.mean(gaps):+.1f} points ({gap_spread:.1f})"
        print(
            f"| ({variant.key}) {variant.label} | " + " | ".join(f"{value:.3f}" for value in values)
            + f" | {statistics.mean(values):.3f} | {spread:.3f} | {gap} |"
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
