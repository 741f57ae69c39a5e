"""Read: input files to raw records, raw records to parsed articles.

Pure: the format registry and detection (`registry`), reading one file (`files`), the types
readers share (`formats`), bounded decompression, charsets, one parser per dump format,
timestamps, language, locate/reread. Beam wrappers: the `beam_*` modules.
"""
