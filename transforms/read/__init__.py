"""Read: input files to raw records, raw records to parsed articles.

Pure: format registry and detection (`formats`), bounded decompression, charsets, one parser per
dump format, timestamps, language, locate/reread. Beam wrappers: the `beam_*` modules.
"""
