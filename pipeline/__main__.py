"""`python -m pipeline` is the `wirestrip` command."""

import sys

from wirestrip.pipeline.cli import main

sys.exit(main())
