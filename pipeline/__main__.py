"""`python -m pipeline` is the `wirestrip` command."""

import sys

from pipeline.cli import main

sys.exit(main())
