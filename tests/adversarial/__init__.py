"""The adversarial input corpus, generated on demand into temporary folders (never committed).

`cases.py` builds each case and says what must come out of it; `measure.py` runs the pipeline
over each case and reports exit code, wall time and peak memory. tests/test_adversarial.py runs
both and checks every case; `make adversarial` prints the figures.
"""
