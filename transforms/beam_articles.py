"""Raw records to article rows in Beam: parse (read room), clean and the learned-line pass (clean
room), rows (write room), chained in one composite; failures go to the `rejects` tagged output."""

from __future__ import annotations

import apache_beam as beam
from wirestrip.transforms.beam_park import Park, Unpark
from wirestrip.transforms.beam_safe import REJECTS
from wirestrip.transforms.clean.beam_clean import ApplyLearned, CleanArticles, LearnBoilerplate
from wirestrip.transforms.clean.learned import MIN_SHARE, MIN_SUPPORT
from wirestrip.transforms.clean.rules import RuleSet
from wirestrip.transforms.read.beam_parse import ParseRecords
from wirestrip.transforms.write.beam_rows import ToArticleRows
from wirestrip.transforms.write.table_rows import RunContext


class ProcessRecords(beam.PTransform):
    """Raw records -> article rows, with every failure in the `rejects` output (Reject objects).

    `flatten_rejects=False` leaves each stage's rejects apart, under `rejects/<stage>`, for a caller
    that flattens them with its own in one step: on the local runner every Flatten fed by several
    stages is a stage of its own that copies each reject once more.

    `park_dir`: where the cleaned articles wait for the learned lines (beam_park.Park; None: in the
    runner's memory)."""

    def __init__(
        self,
        default_tz: str,
        rules: RuleSet,
        ctx: RunContext,
        learned_min_support: int = MIN_SUPPORT,
        prior_learned: list[dict] | None = None,
        learned_min_share: float = MIN_SHARE,
        segment_model_json: str | None = None,
        flatten_rejects: bool = True,
        segment_model_on: str = "pages",
        park_dir: str | None = None,
    ):
        super().__init__()
        self.park_dir = park_dir
        self.flatten_rejects = flatten_rejects
        self.default_tz, self.rules, self.ctx = default_tz, rules, ctx
        self.segment_model_json, self.segment_model_on = segment_model_json, segment_model_on
        self.learned_min_support, self.prior_learned = learned_min_support, list(prior_learned or [])
        self.learned_min_share = learned_min_share

    def expand(self, records):
        redact = self.ctx.redact_removed
        parsed = records | "Parse" >> beam.ParDo(ParseRecords(self.default_tz)).with_outputs(REJECTS, main="ok")
        cleaned = parsed.ok | "Clean" >> beam.ParDo(
            CleanArticles(self.rules, redact, self.segment_model_json, self.segment_model_on)
        ).with_outputs(REJECTS, main="ok")
        stage_rejects = {"parse": parsed[REJECTS], "clean": cleaned[REJECTS]}
        final, learned = cleaned.ok, None
        if self.learned_min_support > 0 or self.prior_learned:
            # Two passes: learn repeated lines per publisher from the rule-cleaned articles, then re-clean.
            learned = cleaned.ok | "LearnBoilerplate" >> LearnBoilerplate(
                self.learned_min_support, self.prior_learned, self.learned_min_share
            )
            side = learned | "LearnedKeys" >> beam.Map(lambda r: ((r["group"], r["hash"]), r["support"]))
            if self.park_dir:  # read back after the learned lines: CleanLearned waits for them anyway
                waiting = cleaned.ok | "ParkCleaned" >> Park(self.park_dir) | "UnparkCleaned" >> Unpark(wait_on=(side,))
            else:
                waiting = cleaned.ok
            again = waiting | "CleanLearned" >> beam.ParDo(
                ApplyLearned(self.rules, redact, self.segment_model_json, self.segment_model_on), beam.pvalue.AsDict(side)
            ).with_outputs(REJECTS, main="ok")
            final = again.ok
            stage_rejects["clean_learned"] = again[REJECTS]
        rows = final | "Fingerprint" >> beam.ParDo(ToArticleRows(self.ctx)).with_outputs(REJECTS, main="ok")
        stage_rejects["rows"] = rows[REJECTS]
        if self.flatten_rejects:
            out = {"rows": rows.ok, REJECTS: tuple(stage_rejects.values()) | "StageRejects" >> beam.Flatten()}
        else:
            out = {"rows": rows.ok, **{f"{REJECTS}/{stage}": pc for stage, pc in stage_rejects.items()}}
        if learned is not None:
            out["learned"] = learned
        return out
