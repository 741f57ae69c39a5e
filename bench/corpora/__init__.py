"""Input generators for benchmarks and evaluations: synthetic posts, labelled corpora from ../shared, adversarial cases."""
