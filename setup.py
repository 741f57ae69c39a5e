"""wirestrip: syndication-provenance and boilerplate-cleaning pipeline for news text, on Apache Beam."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
ROOMS = ("pipeline", "transforms", "schemas")
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "pipeline" / "__init__.py").read_text()).group(1)

setup(
    name="wirestrip",
    version=VERSION,
    description="Strip syndication boilerplate from news dumps, record provenance, dedup copies; Apache Beam to Parquet.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11,<3.12",
    # One import namespace, `wirestrip.*`, with the folders where the design card puts them: nothing
    # generic (`pipeline`, `transforms`, `schemas`) lands at the top of site-packages.
    packages=[f"wirestrip.{pkg}" for top in ROOMS for pkg in (top, *(f"{top}.{sub}" for sub in find_packages(top)))],
    package_dir={f"wirestrip.{top}": top for top in ROOMS},
    package_data={"wirestrip.transforms.clean.rule_data": ["*.yaml"], "wirestrip.transforms.clean.model_data": ["*.json"]},
    include_package_data=True,
    install_requires=[
        "apache-beam==2.77.*",  # the runner facts in docs/ were measured on 2.77
        "pyarrow>=14.0.1,<26",  # apache-beam 2.77 requires <26; PyPI already serves 26
        "numpy<2.5",  # apache-beam 2.77's bound
        "trafilatura>=2.0,<3",
        "lxml>=6.1.3",  # trafilatura 2.3 needs it
        "lxml_html_clean>=0.4",  # jusText (via trafilatura) imports lxml.html.clean; pip < 24 skips lxml's html_clean extra
        "xxhash>=3.4,<5",
        "google-re2>=1.1",  # linear-time matching of boilerplate rules
        "PyYAML>=6.0",
        "tzdata",  # IANA zones for --default-tz where the OS has none
        "duckdb>=1.3,<3",  # `wirestrip report` runs its queries in DuckDB (1.3: lambda x: syntax)
        "warcio>=1.7,<2",  # WARC record parsing (HTTP headers, chunked / content-encoded payloads)
        "py3langid>=0.3,<1",  # offline language identification; its model ships inside the package
        "zstandard>=0.22,<1",  # .zst input (trafilatura pulls it too; we use it directly)
        "python-dateutil>=2.8,<3",  # transforms/read/timestamps.py reads month-name dates with it (guarded)
        "charset-normalizer>=3.3,<4",  # legacy-charset detection for undeclared non-UTF-8 records
        "lightgbm>=4.5,<5",  # the segment classifier's booster (its model ships as a text/JSON data file, no pickle)
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-xdist>=3.5",  # `make test` runs the suite on every core (-n auto --dist loadfile)
            "hypothesis>=6.100",
            "duckdb>=1.1",
            "ruff>=0.6",
            "setuptools>=70",  # builds the wheel offline in the packaging test (bdist_wheel built in)
            "pandas>=2.1,<3",  # reader tests: the output must load in pandas with the right dtypes
            "polars>=1.0,<2",  # reader tests: ... and in polars
        ],
        # `make eval-dedup` / `make bench-dedup` / `make bench`: the MinHashLSH baseline printed side by side
        # (2.x: its affine32 scheme and MinHash.bulk; without it those targets say the baseline is skipped)
        "bench": ["datasketch==2.*"],
    },
    entry_points={"console_scripts": ["wirestrip=wirestrip.pipeline.cli:main"]},
)
