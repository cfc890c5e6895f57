"""Browsing a million-row split: page fetches, whole-split search and filters, memory, against pandas.

Generates a split of `--rows` short reviews (Parquet, in a temporary folder), loads it the app's way
(`engine.datasets.session.open_dataset`: memory-mapped Arrow), then measures in the same process:

- page fetch (`engine.datasets.view.read_page`, 20 rows) at several offsets, p50 / p95 / max of `--repeats` each;
- whole-split search (`engine.datasets.search.filter_rows`): a substring, a label, a length range; and a SQL query
  (`engine.datasets.sql.run_sql`), each the median of 3;
- resident memory (VmRSS) before and after all the browsing;
- then the same page fetches and a substring search with the whole split loaded into pandas (`to_pandas()`),
  and the memory that took; and the split read with `pd.read_parquet` into Python string objects (what pandas
  before 3.0, and most code, holds), its time, memory and substring search.

Run from the repository root: `python bench/browsing.py [--rows 1000000] [--repeats 30]`.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # `python bench/browsing.py` puts bench/ on the path, not the repository, and the engine is not installed.
    sys.path.insert(0, str(REPO_ROOT))

import os  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from datasets.utils.logging import disable_progress_bar  # noqa: E402

from bench.padding import machine_jiffies, others_load  # noqa: E402

OFFSETS = (0, 1_000, 250_000, 500_000, 999_980)
WORDS = "good bad film meal hotel book concert lovely awful boring superb plot acting service room".split()


def rss_mb() -> float:
    """Resident memory of this process in MB (VmRSS from /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Write `rows` reviews of 5-60 random words with labels negative / positive (1 in 4 positive) as Parquet."""
    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, rows, 100_000):
        count = min(100_000, rows - start)
        lengths = rng.integers(5, 60, size=count)
        words = rng.choice(WORDS, size=int(lengths.sum()))
        cuts = np.cumsum(lengths)[:-1]
        texts = [" ".join(chunk) for chunk in np.split(words, cuts)]
        labels = np.where(rng.random(count) < 0.25, "positive", "negative")
        table = pa.table({"text": texts, "label": labels})
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    p95 = float(np.percentile(times, 95))
    return f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30, help="page fetches per offset")
    args = parser.parse_args(argv)
    disable_progress_bar()
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as workdir:
        os.environ["STUDIO_DATA_DIR"] = workdir  # the datasets cache goes there too, and is removed at the end
        from engine.datasets.search import RowFilter, filter_rows
        from engine.datasets.session import DatasetRef, open_dataset
        from engine.datasets.sql import run_sql
        from engine.datasets.view import read_page

        source = Path(workdir) / "reviews.parquet"
        start = time.perf_counter()
        generate(source, args.rows)
        print(
            f"generated {args.rows:,} rows ({source.stat().st_size / 2**20:.0f} MB Parquet) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        jiffies, cpu_start = machine_jiffies(), time.process_time()
        baseline = rss_mb()
        start = time.perf_counter()
        split = open_dataset(DatasetRef(str(source)))["train"]
        print(
            f"open_dataset (Parquet -> Arrow cache, memory-mapped): {time.perf_counter() - start:.1f} s, "
            f"RSS {baseline:.0f} -> {rss_mb():.0f} MB"
        )
        before_browse = rss_mb()
        offsets = [o for o in OFFSETS if o < len(split)]
        for offset in offsets:
            times = timed(lambda o=offset: read_page(split, o, 20), args.repeats)
            print(f"  page of 20 at {offset:>9,}: {summary(times)}")
        all_pages = [t for o in offsets for t in timed(lambda o=o: read_page(split, o, 20), args.repeats)]
        print(f"arrow pages, all offsets: {summary(all_pages)}")
        searches = {
            "substring 'superb plot'": RowFilter(query="superb plot", column="text"),
            "label positive": RowFilter(label="positive", label_column="label"),
            "length 100-150 chars": RowFilter(column="text", min_chars=100, max_chars=150),
        }
        for name, row_filter in searches.items():
            times = timed(lambda f=row_filter: filter_rows(split, f), 3)
            found = filter_rows(split, row_filter).total
            print(f"search {name}: {found:,} rows, median {statistics.median(times):.0f} ms")
        sql = "SELECT label, count(*) AS n, avg(length(text)) AS chars FROM data GROUP BY label"
        times = timed(lambda: run_sql({"train": split}, "train", sql), 3)
        print(f"sql group-by: median {statistics.median(times):.0f} ms")
        browse_growth = rss_mb() - before_browse
        print(f"RSS growth while browsing and searching: {browse_growth:+.0f} MB (now {rss_mb():.0f} MB)")

        before_pandas = rss_mb()
        start = time.perf_counter()
        frame = split.to_pandas()
        print(
            f"to_pandas() (pandas 3 keeps the Arrow strings, no copy): {time.perf_counter() - start:.1f} s, "
            f"RSS {before_pandas:.0f} -> {rss_mb():.0f} MB ({rss_mb() - before_pandas:+.0f} MB)"
        )
        pandas_pages = [
            t for o in offsets for t in timed(lambda o=o: frame.iloc[o : o + 20].to_dict("records"), args.repeats)
        ]
        print(f"pandas pages, all offsets: {summary(pandas_pages)}")
        times = timed(lambda: frame["text"].str.contains("superb plot", case=False, regex=False).sum(), 3)
        print(f"pandas substring search: median {statistics.median(times):.0f} ms")
        del frame
        before_read = rss_mb()
        start = time.perf_counter()
        frame = pd.read_parquet(source, dtype_backend="numpy_nullable")
        frame["text"] = frame["text"].astype(object)  # Python strings, as pandas before 3.0 and most code hold them
        print(
            f"pd.read_parquet() with Python string objects: {time.perf_counter() - start:.1f} s, "
            f"RSS {before_read:.0f} -> {rss_mb():.0f} MB ({rss_mb() - before_read:+.0f} MB)"
        )
        times = timed(lambda: frame["text"].str.contains("superb plot", case=False, regex=False).sum(), 3)
        print(f"pandas (object strings) substring search: median {statistics.median(times):.0f} ms")
        load = others_load(jiffies, machine_jiffies(), time.process_time() - cpu_start)
        print(f"others' CPU load during the run: {load:.0%}" if load is not None else "others' CPU load: unknown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
