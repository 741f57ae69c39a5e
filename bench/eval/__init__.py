"""Quality against labels: `make eval`, `make eval-clean`, `make eval-dedup`, `make eval-html`."""
