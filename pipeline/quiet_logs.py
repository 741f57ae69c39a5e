"""Silence one misleading notice that importing Beam logs on every start (wirestrip uses no GCP client)."""

import logging


def _drop_apitools_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("apitools not found")


def silence_beam_import_notice() -> None:
    """Drop Beam's "apitools not found" notice from the root logger; call it before importing Beam."""
    if _drop_apitools_notice not in logging.getLogger().filters:
        logging.getLogger().addFilter(_drop_apitools_notice)
