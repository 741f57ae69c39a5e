"""Silence one misleading warning that importing Beam prints on every start (we use no BigQuery client)."""

import logging


def _drop_apitools_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("apitools not found")


if _drop_apitools_notice not in logging.getLogger().filters:
    logging.getLogger().addFilter(_drop_apitools_notice)
